"""National ID numbers at rest: sealed (AES-256-GCM), and found through a keyed blind index.

A stolen database (a backup, an SQL injection) must not give away who the citizens are. A
national ID is therefore never stored in clear:

- **sealed** with AES-256-GCM under the first key of NATIONAL_ID_KEYS (or of the key file
  VAR_DIR/national_id.key, made on first use, mode 0600), a random 96-bit nonce per value,
  and the place it is stored in (e.g. `account.national_id`) as associated data, so a value
  copied into another column does not open. The text carries the id of the key that sealed
  it (`v1:<key id>:<base64url of nonce, ciphertext and tag>`): every configured key opens
  what it sealed, and a rotation (system.sealed) finds what an older key sealed;
- **indexed** by HMAC-SHA256 under a key of its own (NATIONAL_ID_INDEX_KEY, or
  VAR_DIR/national_id_index.key): the same number always gives the same index, which is
  what lookups and the uniqueness constraint use, and which tells nothing without the key.
  Changing that key loses every lookup, so it is never rotated.

Values inside JSON (a form's answers, a ceremony's data) are sealed as `{"$sealed": text}`,
which no answer or ceremony field is otherwise: `open_json` opens them wherever they are.

The keys are the process's, like the database engine (`lib.db`): the app factory, the
`portal` command and the tests bind the settings they run with (`bind_keys`); unbound, the
environment's settings are used.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.lib.keyfile import KeyMaterialError, b64url, b64url_decode, read_keys, var_path
from backend.settings import Settings, get_settings

__all__ = [
    "INDEX_KEY_FILE",
    "KEY_FILE",
    "SEALED",
    "BlindIndex",
    "IdCryptError",
    "Sealer",
    "bind_keys",
    "blind_index",
    "bound_settings",
    "key_file",
    "open_json",
    "sealer",
]

KEY_FILE = "national_id.key"
INDEX_KEY_FILE = "national_id_index.key"
NONCE_BYTES = 12
"""96 bits: GCM's native nonce size. Random nonces stay safe far beyond the number of values
one key will ever seal here (the bound is about 2^32 per key)."""
VERSION = "v1"
SEALED = "$sealed"
"""The key of the one-key object that stands for a sealed value inside JSON."""


class IdCryptError(RuntimeError):
    """The keys are malformed, or a sealed value does not open with them (a key missing
    from NATIONAL_ID_KEYS, another installation's key file, a damaged or moved value)."""


def _key_id(key: bytes) -> str:
    """Names a key without giving it away. Hex, so it is safe in a LIKE pattern."""
    return hashlib.sha256(b"portal national-id key id\x00" + key).hexdigest()[:8]


class Sealer:
    """Seals under the first key; opens with whichever key the value names."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise IdCryptError("no national-ID key")
        self._aeads: dict[str, AESGCM] = {}
        for key in keys:
            if len(key) != 32:
                raise IdCryptError("a national-ID key must be 32 bytes")
            key_id = _key_id(key)
            if key_id in self._aeads:
                raise IdCryptError(f"two national-ID keys share the key id {key_id}: remove one")
            self._aeads[key_id] = AESGCM(key)
        self.key_id = _key_id(keys[0])
        """The id of the key that seals."""
        self.key_ids = tuple(self._aeads)

    @property
    def prefix(self) -> str:
        """What every value sealed now starts with."""
        return f"{VERSION}:{self.key_id}:"

    def seal(self, plain: str, *, place: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self.key_id].encrypt(nonce, plain.encode(), place.encode())
        return self.prefix + b64url(nonce + sealed)

    def open(self, sealed: str, *, place: str) -> str:
        version, _, rest = sealed.partition(":")
        key_id, _, data = rest.partition(":")
        if version != VERSION or not data:
            raise IdCryptError(f"a value in {place} is not sealed")
        aead = self._aeads.get(key_id)
        if aead is None:
            raise IdCryptError(
                f"a value in {place} was sealed with the key {key_id}, which is not configured"
            )
        try:
            raw = b64url_decode(data)
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], place.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise IdCryptError(f"a value in {place} does not open: damaged or moved") from exc

    def is_current(self, sealed: str) -> bool:
        return sealed.startswith(self.prefix)

    def reseal(self, sealed: str, *, place: str) -> str | None:
        """The value sealed under the first key, or None if it already is."""
        if self.is_current(sealed):
            return None
        return self.seal(self.open(sealed, place=place), place=place)

    def seal_json(self, plain: str, *, place: str) -> dict[str, str]:
        return {SEALED: self.seal(plain, place=place)}

    def walk_json(self, value: Any, place: str, *, reseal: bool = False) -> tuple[Any, int]:
        """`value` with every `{"$sealed": …}` in it opened (or, with `reseal`, sealed again
        under the first key), and how many were changed."""
        if isinstance(value, dict):
            if len(value) == 1 and isinstance(value.get(SEALED), str):
                if not reseal:
                    return self.open(value[SEALED], place=place), 1
                again = self.reseal(value[SEALED], place=place)
                return ({SEALED: again}, 1) if again else (value, 0)
            changed = 0
            out = {}
            for key, item in value.items():
                out[key], n = self.walk_json(item, place, reseal=reseal)
                changed += n
            return out, changed
        if isinstance(value, list):
            items = [self.walk_json(item, place, reseal=reseal) for item in value]
            return [v for v, _ in items], sum(n for _, n in items)
        return value, 0


def open_json(value: Any, place: str) -> Any:
    """`value` (decoded JSON) with every sealed value in it opened with the bound keys."""
    if not _mentions_sealed(value):
        return value  # nothing sealed: no key is needed (nor made)
    return sealer().walk_json(value, place)[0]


def _mentions_sealed(value: Any) -> bool:
    if isinstance(value, dict):
        return SEALED in value or any(_mentions_sealed(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_sealed(v) for v in value)
    return False


class BlindIndex:
    """HMAC-SHA256 of a national ID under the index key: equal numbers, equal indexes."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise IdCryptError("the national-ID index key must be 32 bytes")
        self._key = key

    def __call__(self, national_id: str) -> str:
        message = b"national_id\x00" + national_id.encode()
        return b64url(hmac.new(self._key, message, hashlib.sha256).digest())


def key_file(settings: Settings) -> Path:
    return var_path(settings.var_dir, KEY_FILE)


_bound: Settings | None = None


def bind_keys(settings: Settings) -> None:
    """Seal, open and index with `settings`' keys from now on, in this process."""
    global _bound
    _bound = settings


def bound_settings() -> Settings:
    return _bound if _bound is not None else get_settings()


def sealer(settings: Settings | None = None) -> Sealer:
    """The sealer for NATIONAL_ID_KEYS, or the key file (made on first use; read again when
    it changes: a rotation by another process)."""
    settings = settings or bound_settings()
    try:
        keys = read_keys(settings.national_id_keys, "NATIONAL_ID_KEYS", key_file(settings))
    except KeyMaterialError as exc:
        raise IdCryptError(str(exc)) from exc
    return _sealer(keys)


def blind_index(settings: Settings | None = None) -> BlindIndex:
    """The blind index for NATIONAL_ID_INDEX_KEY, or its key file (made on first use)."""
    settings = settings or bound_settings()
    path = var_path(settings.var_dir, INDEX_KEY_FILE)
    try:
        keys = read_keys(settings.national_id_index_key, "NATIONAL_ID_INDEX_KEY", path)
    except KeyMaterialError as exc:
        raise IdCryptError(str(exc)) from exc
    if len(keys) != 1:
        raise IdCryptError("NATIONAL_ID_INDEX_KEY holds one key (it is never rotated)")
    return _index(keys[0])


@functools.cache
def _sealer(keys: tuple[bytes, ...]) -> Sealer:
    return Sealer(keys)


@functools.cache
def _index(key: bytes) -> BlindIndex:
    return BlindIndex(key)
