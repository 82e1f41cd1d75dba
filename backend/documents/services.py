"""Document wallet rules, and the internal API other domains call.

For the applications domain (and the kiosk, later):

- `owned_documents(account_id, ids)`: the citizen's live documents among `ids`, to attach
  wallet documents to an application. The caller checks each one's `document_type` against
  the form field it fills.
- `document_for_download(document_id, settings=…)`: a document's row and bytes whatever its
  owner or state (a citizen's delete only hides it from the wallet), for staff and agency
  downloads. No ownership check: the caller authorises, and records the read in the audit log.
- `store_upload(account_id, document_type, label, chunks, idempotency_key, actor=…,
  settings=…)`: the whole upload (rate limit, type check by content, size limit, storage,
  row, audit), used by the upload endpoint and by an operator uploading for a citizen.
  `resumable` builds a document piece by piece and ends with the same `record_upload`.

Citizen-facing reads and writes (`list_documents`, `get_own`, `relabel`, `soft_delete`) only
ever see the caller's own live documents: another citizen's id is simply not found.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import asyncpg

from backend.catalog.tables import DocumentType
from backend.documents.errors import (
    DocumentNotFoundError,
    DocumentTooLargeError,
    IdempotencyKeyReusedError,
    UnknownDocumentTypeError,
    UnsupportedDocumentTypeError,
)
from backend.documents.schemas import MAX_LABEL
from backend.documents.sniff import MAGIC_BYTES, image_size, sniff
from backend.documents.storage import StorageKeyMissingError, Stored, storage_for
from backend.documents.tables import Document
from backend.lib.db import transaction
from backend.lib.errors import ClientError, ValidationFailedError
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

__all__ = [
    "MAX_IDEMPOTENCY_KEY",
    "DocumentRow",
    "Limits",
    "by_idempotency_key",
    "check_idempotency_key",
    "clean_label",
    "document_for_download",
    "get_own",
    "list_documents",
    "open_content",
    "owned_documents",
    "record_upload",
    "relabel",
    "require_document_type",
    "soft_delete",
    "store_upload",
]

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

    @property
    def live(self) -> bool:
        """In the wallet (not deleted by the citizen)."""
        return self.deleted_at is None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _row(r: dict[str, Any]) -> DocumentRow:
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
    return _row(row) if row else None


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
    now = _now()
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


async def owned_documents(account_id: int, ids: Sequence[int]) -> dict[int, DocumentRow]:
    """The documents among `ids` that `account_id` owns and has not deleted, by id.

    Ids that are missing, deleted or someone else's are simply absent from the answer: the
    caller compares with what it asked for and refuses the difference (as a 404 or a field
    error), without telling whose a foreign id is."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await Document.select().where(
        (Document.account == account_id) & Document.id.is_in(wanted) & Document.deleted_at.is_null()
    )
    return {r["id"]: _row(r) for r in rows}


async def document_for_download(
    document_id: int, *, settings: Settings
) -> tuple[DocumentRow, AsyncIterator[bytes]]:
    """A document and its bytes, deleted from the wallet or not, whoever owns it.

    For staff and agency downloads of documents attached to an application: the caller has
    already checked the reader may see it, and records `document.read` in the audit log.
    Raises `DocumentNotFoundError` for an unknown id."""
    row = await Document.select().where(Document.id == document_id).first()
    if row is None:
        raise DocumentNotFoundError()
    document = _row(row)
    return document, await open_content(document, settings=settings)


async def open_content(document: DocumentRow, *, settings: Settings) -> AsyncIterator[bytes]:
    """The stored bytes of `document`, streamed."""
    try:
        return await storage_for(settings).open(document.storage_key)
    except StorageKeyMissingError:
        # A row without its bytes: lost storage, or a restore from an older backup.
        log.error("document %s: bytes missing under %s", document.id, document.storage_key)
        raise DocumentNotFoundError() from None


async def list_documents(
    account_id: int,
    *,
    document_type: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[DocumentRow]:
    """The citizen's wallet, newest first; `before` (an id) pages further back."""
    condition = (Document.account == account_id) & Document.deleted_at.is_null()
    if document_type is not None:
        await require_document_type(document_type)
        condition &= Document.document_type == document_type
    if before is not None:
        condition &= Document.id < before
    rows = (
        await Document.select().where(condition).order_by(Document.id, ascending=False).limit(limit)
    )
    return [_row(r) for r in rows]


async def get_own(account_id: int, document_id: int) -> DocumentRow:
    """One of the citizen's live documents; anything else is not found."""
    row = (
        await Document.select()
        .where(
            (Document.id == document_id)
            & (Document.account == account_id)
            & Document.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        raise DocumentNotFoundError()
    return _row(row)


async def relabel(actor: Actor, account_id: int, document_id: int, label: str) -> DocumentRow:
    """Change the label of one of the citizen's live documents."""
    label = clean_label(label)
    async with transaction():
        updated = (
            await Document.update({Document.label: label})
            .where(
                (Document.id == document_id)
                & (Document.account == account_id)
                & Document.deleted_at.is_null()
            )
            .returning(Document.id)
        )
        if not updated:
            raise DocumentNotFoundError()
        await record(
            "document.relabelled",
            actor,
            subject_account_id=account_id,
            object_type="document",
            object_id=document_id,
        )
    return await get_own(account_id, document_id)


async def soft_delete(actor: Actor, account_id: int, document_id: int) -> None:
    """Remove a document from the wallet. Its row and bytes stay for the applications it
    was attached to; the citizen no longer sees it, and cannot attach it again."""
    async with transaction():
        deleted = (
            await Document.update({Document.deleted_at: _now()})
            .where(
                (Document.id == document_id)
                & (Document.account == account_id)
                & Document.deleted_at.is_null()
            )
            .returning(Document.id)
        )
        if not deleted:
            raise DocumentNotFoundError()
        await record(
            "document.deleted",
            actor,
            subject_account_id=account_id,
            object_type="document",
            object_id=document_id,
        )
