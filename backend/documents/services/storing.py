"""Storing a document once: the checks every upload passes (type by content, size, label,
idempotency key) and the wallet row with its audit entry, whether the bytes came in one POST
or in pieces."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import asyncpg

from backend.catalog.tables import DocumentType
from backend.documents.errors import (
    DocumentTooLargeError,
    IdempotencyKeyReusedError,
    UnknownDocumentTypeError,
    UnsupportedDocumentTypeError,
)
from backend.documents.schemas import MAX_LABEL
from backend.documents.sniff import MAGIC_BYTES, image_size, sniff
from backend.documents.storage import Stored, storage_for
from backend.documents.tables import Document
from backend.lib.db import transaction
from backend.lib.errors import ClientError, ValidationFailedError
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

log = logging.getLogger("portal.documents")


MAX_IDEMPOTENCY_KEY = 100
"""Longest Idempotency-Key accepted (a UUID is 36 characters)."""


class Limits:
    """Uploads per account: enough for a family's paperwork in one sitting, not a flood."""

    UPLOAD = Limit("documents:upload", 30, 3600)


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A wallet document as other domains see it."""

    id: int
    account_id: int
    document_type: str
    label: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    width: int | None
    height: int | None
    created_at: dt.datetime
    deleted_at: dt.datetime | None
    refused_by: int | None = None

    @property
    def live(self) -> bool:
        """In the wallet (not deleted by the citizen)."""
        return self.deleted_at is None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def document_row(r: dict[str, Any]) -> DocumentRow:
    return DocumentRow(
        id=r["id"],
        account_id=r["account"],
        document_type=r["document_type"],
        label=r["label"],
        content_type=r["content_type"],
        size_bytes=r["size_bytes"],
        sha256=r["sha256"],
        storage_key=r["storage_key"],
        width=r["width"],
        height=r["height"],
        created_at=r["created_at"],
        deleted_at=r["deleted_at"],
        refused_by=r.get("refused_by"),
    )


def clean_label(label: str) -> str:
    """A label as stored: control characters become spaces, outer spaces go."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in label).strip()
    if len(cleaned) > MAX_LABEL:
        raise ValidationFailedError(
            fields={
                "label": {
                    "en": f"At most {MAX_LABEL} characters.",
                    "th": f"ไม่เกิน {MAX_LABEL} ตัวอักษร",
                }
            }
        )
    return cleaned


def check_idempotency_key(key: str | None) -> str | None:
    """The key as given, or `ClientError` when it is not 1..100 printable ASCII characters."""
    if key is None:
        return None
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()):
        raise ClientError(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters.",
            f"Idempotency-Key ต้องเป็นตัวอักษร ASCII 1 ถึง {MAX_IDEMPOTENCY_KEY} ตัว",
            code="idempotency_key_invalid",
        )
    return key


async def require_document_type(code: str) -> None:
    """`UnknownDocumentTypeError` unless the catalog has the type."""
    if not await DocumentType.exists().where(DocumentType.code == code):
        raise UnknownDocumentTypeError(code)


async def _refuse_unsupported(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass the chunks through, raising as soon as the first bytes show a type we refuse, so
    an .exe named .pdf is stopped after one network chunk rather than after 10 MB."""
    head = b""
    decided = False
    async for chunk in chunks:
        if not decided:
            head += chunk[: MAGIC_BYTES - len(head)]
            if len(head) >= MAGIC_BYTES:
                if sniff(head) is None:
                    raise UnsupportedDocumentTypeError()
                decided = True
        yield chunk
    if not decided and sniff(head) is None:  # shorter than the magic, or empty
        raise UnsupportedDocumentTypeError()


async def store_upload(
    account_id: int,
    document_type: str,
    label: str,
    chunks: AsyncIterator[bytes],
    idempotency_key: str | None = None,
    *,
    actor: Actor,
    settings: Settings,
    declared_size: int | None = None,
) -> tuple[DocumentRow, bool]:
    """Store an upload for `account_id`; returns (document, created).

    `created` is False when `idempotency_key` was already used by this account for the same
    content and type: the first document is returned and nothing new is kept. The same key
    with other content, another type, or for a document since deleted raises
    `IdempotencyKeyReusedError` (409). `declared_size` (Content-Length) lets an oversized
    upload be refused before a byte is read. `actor` is who uploads (the citizen, or an
    operator for them); the audit entry's subject is always `account_id`.

    All or nothing: on any error the stored bytes are deleted and no row is written.
    """
    await check([(Limits.UPLOAD, str(account_id))])
    idempotency_key = check_idempotency_key(idempotency_key)
    label = clean_label(label)
    await require_document_type(document_type)
    max_bytes = settings.document_max_bytes
    if declared_size is not None and declared_size > max_bytes:
        raise DocumentTooLargeError(max_bytes)

    storage = storage_for(settings)
    stored = await storage.save(_refuse_unsupported(chunks), max_bytes=max_bytes)
    try:
        kind = sniff(stored.head)
        assert kind is not None  # _refuse_unsupported let it through
        size = image_size(kind, stored.head)
        row, created = await record_upload(
            account_id,
            document_type,
            label,
            kind.content_type,
            size,
            stored,
            idempotency_key,
            actor,
        )
    except BaseException:
        with anyio.CancelScope(shield=True):  # even when the request is being cancelled
            await storage.delete(stored.key)
        raise
    if not created:
        try:
            await storage.delete(stored.key)  # the retry's copy; the first one stays
        except OSError:
            log.warning("could not delete duplicate upload %s", stored.key, exc_info=True)
    return row, created


async def by_idempotency_key(account_id: int, key: str) -> DocumentRow | None:
    """The document `key` produced for the account, deleted or not."""
    row = (
        await Document.select()
        .where((Document.account == account_id) & (Document.idempotency_key == key))
        .first()
    )
    return document_row(row) if row else None


def _replay(existing: DocumentRow, stored: Stored, document_type: str) -> DocumentRow:
    if (
        not existing.live
        or existing.sha256 != stored.sha256
        or existing.document_type != document_type
    ):
        raise IdempotencyKeyReusedError()
    return existing


async def record_upload(
    account_id: int,
    document_type: str,
    label: str,
    content_type: str,
    size: tuple[int, int] | None,
    stored: Stored,
    idempotency_key: str | None,
    actor: Actor,
) -> tuple[DocumentRow, bool]:
    """The wallet row and audit entry for bytes already stored: (document, created). When
    the key already made a document, that one if it has the same content and type (created
    False: the caller deletes its own copy), else `IdempotencyKeyReusedError`."""
    if idempotency_key is not None:
        existing = await by_idempotency_key(account_id, idempotency_key)
        if existing is not None:
            return _replay(existing, stored, document_type), False
    width, height = size if size else (None, None)
    now = utc_now()
    try:
        async with transaction():
            inserted = await Document.insert(
                Document(
                    account=account_id,
                    document_type=document_type,
                    label=label,
                    content_type=content_type,
                    size_bytes=stored.size,
                    sha256=stored.sha256,
                    storage_key=stored.key,
                    width=width,
                    height=height,
                    created_at=now,
                    idempotency_key=idempotency_key,
                )
            ).returning(Document.id)
            document_id: int = inserted[0]["id"]
            await record(
                "document.uploaded",
                actor,
                subject_account_id=account_id,
                object_type="document",
                object_id=document_id,
                detail={
                    "document_type": document_type,
                    "content_type": content_type,
                    "size_bytes": stored.size,
                },
            )
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError):
        # Two tries of one upload raced (the phone retried while the first was still
        # streaming): the other committed first, so answer as for any retry.
        existing = (
            await by_idempotency_key(account_id, idempotency_key) if idempotency_key else None
        )
        if existing is None:
            raise
        return _replay(existing, stored, document_type), False
    return (
        DocumentRow(
            id=document_id,
            account_id=account_id,
            document_type=document_type,
            label=label,
            content_type=content_type,
            size_bytes=stored.size,
            sha256=stored.sha256,
            storage_key=stored.key,
            width=width,
            height=height,
            created_at=now,
            deleted_at=None,
        ),
        True,
    )
