"""The internal API the applications domain (and the kiosk) call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.documents.errors import DocumentNotFoundError, IdempotencyKeyReusedError
from backend.documents.services import (
    document_for_download,
    owned_documents,
    soft_delete,
    store_upload,
    storing,
)
from backend.documents.tables import Document
from backend.settings import Settings
from backend.system.audit import Actor
from backend.system.tables import AuditEntry
from tests.support.files import jpeg, pdf, png, stored_files
from tests.support.flows import enrol_citizen

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def citizen(client: Client) -> int:
    account_id: int = (await enrol_citizen(client))["account"]["id"]
    return account_id


def as_citizen(account_id: int) -> Actor:
    return Actor(account_id=account_id, role="citizen", ip="127.0.0.1")


async def test_store_upload_for_a_citizen_by_an_operator(
    client: Client, settings: Settings
) -> None:
    account_id = await citizen(client)
    operator = Actor(account_id=999, role="operator", ip="10.0.0.5", kiosk_id=7)
    row, created = await store_upload(
        account_id, "bank_book", "สมุดบัญชี", chunks(jpeg(800, 600)), None,
        actor=operator, settings=settings,
    )  # fmt: skip
    assert created
    assert (row.account_id, row.document_type, row.label) == (account_id, "bank_book", "สมุดบัญชี")
    assert (row.content_type, row.width, row.height) == ("image/jpeg", 800, 600)
    assert row.live
    audit = await AuditEntry.select().where(AuditEntry.action == "document.uploaded").first()
    assert audit is not None
    assert (audit["actor_account_id"], audit["actor_role"], audit["kiosk_id"]) == (
        999,
        "operator",
        7,
    )
    assert audit["subject_account_id"] == account_id


async def test_owned_documents_returns_only_mine_and_live(
    client: Client, make_client: Any, settings: Settings
) -> None:
    me = await citizen(client)
    async with make_client() as other_client:
        other = await citizen(other_client)
    mine, _ = await store_upload(
        me, "id_card", "", chunks(pdf()), actor=as_citizen(me), settings=settings
    )
    gone, _ = await store_upload(
        me, "id_card", "", chunks(png()), actor=as_citizen(me), settings=settings
    )
    theirs, _ = await store_upload(
        other, "id_card", "", chunks(pdf()), actor=as_citizen(other), settings=settings
    )
    await soft_delete(as_citizen(me), me, gone.id)

    found = await owned_documents(me, [mine.id, gone.id, theirs.id, mine.id, 123456])
    assert list(found) == [mine.id]
    assert found[mine.id].document_type == "id_card"
    assert await owned_documents(me, []) == {}
    assert list(await owned_documents(other, [mine.id, theirs.id])) == [theirs.id]


async def test_document_for_download_needs_no_owner_but_an_existing_id(
    client: Client, settings: Settings
) -> None:
    me = await citizen(client)
    data = png(5, 4)
    row, _ = await store_upload(
        me, "photo", "", chunks(data), actor=as_citizen(me), settings=settings
    )
    found, stream = await document_for_download(row.id, settings=settings)
    assert found == row
    assert b"".join([c async for c in stream]) == data
    with pytest.raises(DocumentNotFoundError):
        await document_for_download(row.id + 1000, settings=settings)


async def test_missing_bytes_are_reported_not_crashed_on(
    client: Client, settings: Settings, documents_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    me = await citizen(client)
    row, _ = await store_upload(
        me, "photo", "", chunks(png()), actor=as_citizen(me), settings=settings
    )
    for path in stored_files(documents_dir):
        path.unlink()
    with (
        caplog.at_level(logging.ERROR, logger="portal.documents"),
        pytest.raises(DocumentNotFoundError),
    ):
        await document_for_download(row.id, settings=settings)
    assert "bytes missing" in caplog.text
    response = await client.get(f"/api/v1/documents/{row.id}/content")
    assert response.status_code == 404


async def test_concurrent_retries_store_one_document(
    client: Client, settings: Settings, documents_dir: Path
) -> None:
    """A phone that retries while its first upload is still streaming: one row, one file."""
    me = await citizen(client)
    data = pdf("twice")

    async def attempt() -> tuple[Any, bool]:
        return await store_upload(
            me, "id_card", "", chunks(data, 50), "retry-key-1",
            actor=as_citizen(me), settings=settings,
        )  # fmt: skip

    results = await asyncio.gather(attempt(), attempt(), attempt())
    assert sorted(created for _, created in results) == [False, False, True]
    assert len({row.id for row, _ in results}) == 1
    assert await Document.count() == 1
    assert len(stored_files(documents_dir)) == 1


async def test_same_key_other_type_is_a_conflict(client: Client, settings: Settings) -> None:
    me = await citizen(client)
    await store_upload(
        me, "id_card", "", chunks(pdf()), "key-a", actor=as_citizen(me), settings=settings
    )
    with pytest.raises(IdempotencyKeyReusedError):
        await store_upload(
            me, "bank_book", "", chunks(pdf()), "key-a", actor=as_citizen(me), settings=settings
        )


async def test_the_unique_index_settles_a_race_the_first_check_missed(
    client: Client, settings: Settings, documents_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both tries looked for the key before either had committed: the database's unique
    index refuses the second insert, which then answers as a retry."""
    me = await citizen(client)
    first, _ = await store_upload(
        me, "id_card", "", chunks(pdf()), "race-key", actor=as_citizen(me), settings=settings
    )
    real = storing.by_idempotency_key
    calls = 0

    async def missed_once(account_id: int, key: str) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else await real(account_id, key)

    monkeypatch.setattr(storing, "by_idempotency_key", missed_once)
    second, created = await store_upload(
        me, "id_card", "", chunks(pdf()), "race-key", actor=as_citizen(me), settings=settings
    )
    assert calls == 2
    assert (second.id, created) == (first.id, False)
    assert await Document.count() == 1
    assert len(stored_files(documents_dir)) == 1
    uploads = await AuditEntry.count().where(AuditEntry.action == "document.uploaded")
    assert uploads == 1  # only the first upload is recorded
