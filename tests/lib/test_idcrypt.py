"""National IDs at rest (lib.idcrypt): sealed with AES-GCM under the first key, opened by the
key the value names, bound to where it is stored; a blind index under a key of its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from backend.lib import idcrypt
from backend.lib.keyfile import b64url_decode, new_key
from backend.settings import Settings

NUMBER = "1101700230705"


def _key() -> bytes:
    return b64url_decode(new_key())


def test_sealed_values_name_their_key_use_a_fresh_nonce_and_open_only_in_their_place() -> None:
    key = _key()
    sealer = idcrypt.Sealer([key])
    first = sealer.seal(NUMBER, place="account.national_id")
    second = sealer.seal(NUMBER, place="account.national_id")
    assert first != second  # a random nonce: equal numbers do not look equal
    assert NUMBER not in first
    version, key_id, data = first.split(":")
    assert (version, key_id) == ("v1", sealer.key_id) and first.startswith(sealer.prefix)
    assert len(b64url_decode(data)) == 12 + len(NUMBER) + 16  # nonce, ciphertext, tag
    assert sealer.open(first, place="account.national_id") == NUMBER
    with pytest.raises(idcrypt.IdCryptError, match="damaged or moved"):
        sealer.open(first, place="account.disputed_national_id")  # copied to another column
    tampered = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    with pytest.raises(idcrypt.IdCryptError):
        sealer.open(tampered, place="account.national_id")
    with pytest.raises(idcrypt.IdCryptError, match="not sealed"):
        sealer.open(NUMBER, place="account.national_id")


def test_the_first_key_seals_every_key_opens_and_reseal_moves_to_the_first() -> None:
    old, new = _key(), _key()
    under_old = idcrypt.Sealer([old]).seal(NUMBER, place="p")
    both = idcrypt.Sealer([new, old])
    assert both.open(under_old, place="p") == NUMBER
    assert not both.is_current(under_old)
    again = both.reseal(under_old, place="p")
    assert again is not None and both.is_current(again)
    assert both.reseal(again, place="p") is None  # already under the first key
    assert idcrypt.Sealer([new]).open(again, place="p") == NUMBER
    with pytest.raises(idcrypt.IdCryptError, match="not configured"):
        idcrypt.Sealer([new]).open(under_old, place="p")


def test_values_inside_json_are_opened_and_resealed_where_they_are() -> None:
    old, new = _key(), _key()
    answers = {
        "full_name": "สมชาย",
        "national_id": idcrypt.Sealer([old]).seal_json(NUMBER, place="answers"),
        "children": [{"id": idcrypt.Sealer([old]).seal_json("3100600445767", place="answers")}],
        "amount": 3,
    }
    text = json.dumps(answers)
    assert NUMBER not in text
    sealer = idcrypt.Sealer([new, old])
    opened, count = sealer.walk_json(json.loads(text), "answers")
    assert count == 2
    assert opened == {
        "full_name": "สมชาย",
        "national_id": NUMBER,
        "children": [{"id": "3100600445767"}],
        "amount": 3,
    }
    resealed, count = sealer.walk_json(json.loads(text), "answers", reseal=True)
    assert count == 2
    assert idcrypt.Sealer([new]).walk_json(resealed, "answers")[0] == opened
    assert sealer.walk_json(resealed, "answers", reseal=True)[1] == 0


def test_the_blind_index_is_keyed_and_stable() -> None:
    key = _key()
    index = idcrypt.BlindIndex(key)
    assert index(NUMBER) == index(NUMBER)
    assert index(NUMBER) != index("3100600445767")
    assert index(NUMBER) != idcrypt.BlindIndex(_key())(NUMBER)
    assert NUMBER not in index(NUMBER) and len(index(NUMBER)) == 43


def test_keys_are_made_once_in_var_dir_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(var_dir=str(tmp_path))
    sealer = idcrypt.sealer(settings)
    index = idcrypt.blind_index(settings)
    for name in (idcrypt.KEY_FILE, idcrypt.INDEX_KEY_FILE):
        assert (os.stat(tmp_path / name).st_mode & 0o777) == 0o600
    assert idcrypt.sealer(settings).key_id == sealer.key_id  # the same file, read again
    assert idcrypt.blind_index(settings)(NUMBER) == index(NUMBER)
    # The two keys are different keys.
    assert (tmp_path / idcrypt.KEY_FILE).read_text() != (
        tmp_path / idcrypt.INDEX_KEY_FILE
    ).read_text()


def test_keys_from_settings_and_their_mistakes(tmp_path: Path) -> None:
    new, old = new_key(), new_key()
    settings = Settings(var_dir=str(tmp_path), national_id_keys=f"{new}, {old}")
    sealer = idcrypt.sealer(settings)
    assert len(sealer.key_ids) == 2 and sealer.key_id == idcrypt.Sealer([b64url_decode(new)]).key_id
    assert not (tmp_path / idcrypt.KEY_FILE).exists()
    with pytest.raises(idcrypt.IdCryptError, match="32 bytes"):
        idcrypt.sealer(Settings(var_dir=str(tmp_path), national_id_keys="c2hvcnQ"))
    with pytest.raises(idcrypt.IdCryptError, match="share the key id"):
        idcrypt.sealer(Settings(var_dir=str(tmp_path), national_id_keys=f"{new},{new}"))
    with pytest.raises(idcrypt.IdCryptError, match="one key"):
        idcrypt.blind_index(Settings(var_dir=str(tmp_path), national_id_index_key=f"{new},{old}"))
