"""Rotating the master key that seals agency secrets: every secret is resealed under the new
key, the old key opens nothing any more, and agencies' signed requests keep working — in a
running app that read the old key — before, during and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.keys import (
    SecretBox,
    SecretKeyError,
    decode_keys,
    key_file,
    new_key,
    secret_box,
)
from backend.agency_api.rotation import (
    KeyRotationError,
    reseal,
    rotate_key_file,
    unreadable_secrets,
)
from backend.agency_api.schemas import WebhookUpdate
from backend.agency_api.tables import AgencyCredential, AgencyWebhook
from backend.agency_api.webhooks import bound_to, configure_webhook
from backend.asgi import create_app
from backend.settings import Settings
from tests.support.agency import ADMIN, signer_for
from tests.support.database import Database

FEED = "/agency-api/v1/applications"


def test_the_first_key_seals_and_every_key_opens() -> None:
    old, new = decode_keys(new_key(), "old")[0], decode_keys(new_key(), "new")[0]
    sealed = SecretBox(old).seal("as_secret", bound_to="ak_1")
    assert SecretBox(new, old).open(sealed, bound_to="ak_1") == "as_secret"
    resealed = SecretBox(new, old).seal("as_secret", bound_to="ak_1")
    assert SecretBox(new).open(resealed, bound_to="ak_1") == "as_secret"
    with pytest.raises(SecretKeyError):
        SecretBox(new).open(sealed, bound_to="ak_1")
    with pytest.raises(SecretKeyError):
        SecretBox(new, old).open(sealed, bound_to="ak_2")  # bound to its credential
    with pytest.raises(SecretKeyError, match="no key"):
        decode_keys(" , ", "AGENCY_SECRET_KEY")


async def test_rotating_the_key_file_reseals_everything_and_nothing_stops(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    settings = msgspec.structs.replace(settings, var_dir=str(tmp_path))
    dopa = await signer_for("DOPA", settings)
    await configure_webhook(
        ADMIN, "DOPA", WebhookUpdate(url="https://dopa.example/hooks"), settings=settings
    )
    path = key_file(settings)
    old_keys = decode_keys(path.read_text(), "old")
    before = {r["key_id"]: r["secret_encrypted"] for r in await AgencyCredential.select()}

    app = create_app(settings=settings, pool=False)
    async with AsyncTestClient(app=app) as client:
        assert (await dopa.request(client, "GET", FEED)).status_code == 200  # old key cached

        assert await rotate_key_file(settings) == 2
        new_keys = decode_keys(path.read_text(), "new")
        assert len(new_keys) == 1 and new_keys[0] not in old_keys
        assert (path.stat().st_mode & 0o777) == 0o600
        # The running app reads the rotated file: the agency notices nothing.
        assert (await dopa.request(client, "GET", FEED)).status_code == 200

    after = {r["key_id"]: r["secret_encrypted"] for r in await AgencyCredential.select()}
    assert after.keys() == before.keys() and after != before
    new_box, old_box = SecretBox(*new_keys), SecretBox(*old_keys)
    assert new_box.open(after[dopa.key_id], bound_to=dopa.key_id) == dopa.secret
    with pytest.raises(SecretKeyError):
        old_box.open(after[dopa.key_id], bound_to=dopa.key_id)
    hook = await AgencyWebhook.select().first()
    assert hook is not None
    new_box.open(hook["secret_encrypted"], bound_to=bound_to(hook["agency"]))


async def test_with_keys_from_the_environment_the_operator_reseals(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    old, new = new_key(), new_key()
    first = msgspec.structs.replace(settings, var_dir=str(tmp_path), agency_secret_key=old)
    dopa = await signer_for("DOPA", first)
    with pytest.raises(KeyRotationError, match="AGENCY_SECRET_KEY"):
        await rotate_key_file(first)

    both = msgspec.structs.replace(first, agency_secret_key=f"{new},{old}")
    assert await reseal(both) == 1
    only_new = msgspec.structs.replace(first, agency_secret_key=new)
    row: Any = await AgencyCredential.select().where(AgencyCredential.key_id == dopa.key_id)
    sealed = row[0]["secret_encrypted"]
    assert secret_box(only_new).open(sealed, bound_to=dopa.key_id) == dopa.secret
    with pytest.raises(SecretKeyError):
        secret_box(first).open(sealed, bound_to=dopa.key_id)


async def test_a_node_with_the_wrong_key_is_found_by_check(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    right = msgspec.structs.replace(settings, var_dir=str(tmp_path), agency_secret_key=new_key())
    assert await unreadable_secrets(right) == (0, 0)
    await signer_for("DOPA", right)
    await configure_webhook(
        ADMIN, "DOPA", WebhookUpdate(url="https://dopa.example/hooks"), settings=right
    )
    assert await unreadable_secrets(right) == (2, 0)
    wrong = msgspec.structs.replace(right, agency_secret_key=new_key())
    assert await unreadable_secrets(wrong) == (2, 2)
