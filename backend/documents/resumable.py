"""Resumable uploads: one wallet document sent in pieces over a connection that may drop.

The protocol is tus's (and the IETF draft "Resumable Uploads for HTTP"), simplified:

1. `create_upload`: the client declares the length and an Idempotency-Key. The same key again
   answers the same upload, so a client that lost the answer resumes; if the key already made
   a document (here or by the single POST), the answer says so.
2. `append`: each PATCH carries the next bytes from the offset the server holds. A dropped
   connection keeps what arrived; the client asks for the offset and goes on from there.
3. The PATCH that reaches the length completes the upload as `services.store_upload` would:
   type by content, image size, the wallet row and its audit entry, the key recorded on the
   document (a later single POST with that key replays it). The type is refused as soon as
   the first MAGIC_BYTES are in, and a refused upload leaves nothing behind.

The database row is the truth and the lock. A PATCH claims the upload with one
compare-and-set UPDATE (its offset equals `received` and no lease is live), so of two
concurrent PATCHes one writes and the other gets 409, however many app processes there are.
While bytes arrive it records them every CHECKPOINT_BYTES or CHECKPOINT_S, after they are
fsynced, renewing its lease: a client whose connection died sees its progress at once. A body
that stalls for STALL_S ends the PATCH, so a vanished client's request frees the upload soon.

Uploads expire UPLOAD_EXPIRY after their last bytes (404 from then on); `sweep_uploads`, run
hourly by `portal worker` and by `portal housekeep`, deletes expired rows and their bytes, and
temporary files nobody touched for longer still.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import asyncpg

from backend.documents.errors import (
    DocumentTooLargeError,
    IdempotencyKeyReusedError,
    ImageSizeError,
    UnsupportedDocumentTypeError,
    UploadBusyError,
    UploadHeaderError,
    UploadInterruptedError,
    UploadLengthExceededError,
    UploadNotFoundError,
    UploadOffsetMismatchError,
)
from backend.documents.services import (
    DocumentRow,
    Limits,
    by_idempotency_key,
    check_idempotency_key,
    clean_label,
    owned_documents,
    record_upload,
    require_document_type,
)
from backend.documents.sniff import MAGIC_BYTES, image_size, sniff
from backend.documents.storage import (
    Storage,
    StorageKeyMissingError,
    StorageOffsetError,
    storage_for,
)
from backend.documents.tables import Upload
from backend.settings import Settings
from backend.system.audit import Actor
from backend.system.ratelimit import check

__all__ = [
    "CHECKPOINT_BYTES",
    "CHECKPOINT_S",
    "LEASE",
    "STALL_S",
    "UPLOAD_EXPIRY",
    "SweepResult",
    "UploadState",
    "append",
    "create_upload",
    "delete_upload",
    "get_upload",
    "remove_uploads",
    "sweep_uploads",
]

log = logging.getLogger("portal.documents")

UPLOAD_EXPIRY = dt.timedelta(hours=24)
"""An upload untouched this long is gone: a day lets a citizen finish on the next bus ride."""

CHECKPOINT_BYTES = 1024 * 1024
"""A PATCH records its progress (fsync, then the row) at least every this many bytes…"""

CHECKPOINT_S = 10.0
"""…and every this many seconds on a slow link."""

STALL_S = 30.0
"""A body that sends nothing for this long ends its PATCH, keeping what arrived. A phone that
lost signal rarely closes its connection; this frees the upload for its next try."""

LEASE = dt.timedelta(seconds=60)
"""How long a PATCH's claim lasts without renewal: more than a checkpoint can take
(CHECKPOINT_S, then up to STALL_S for the chunk that ends it), so a live PATCH never loses it,
and a PATCH whose process died stops blocking the upload after this."""

BUSY_RETRY_S = 5
"""Retry-After for a PATCH refused because another one holds the upload (at most)."""

ORPHAN_AGE_S = (UPLOAD_EXPIRY + dt.timedelta(hours=1)).total_seconds()
"""Temporary files untouched this long belong to no live upload (each append touches its file
and pushes the expiry): the sweep removes them, crashed single uploads' ones included."""

SWEEP_BATCH = 200

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class UploadState:
    """What the client sees: `offset` of `length` bytes in, and the document once complete."""

    id: str
    offset: int
    length: int
    expires_at: dt.datetime
    document: DocumentRow | None


@dataclass(frozen=True, slots=True)
class SweepResult:
    uploads: int
    files: int


@dataclass(frozen=True, slots=True)
class _Upload:
    id: int
    token: str
    account_id: int
    idempotency_key: str
    document_type: str
    label: str
    length: int
    received: int
    temp_key: str | None
    document_id: int | None
    expires_at: dt.datetime
    locked_until: dt.datetime | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _upload(r: dict[str, Any]) -> _Upload:
    return _Upload(
        id=r["id"],
        token=r["token"],
        account_id=r["account"],
        idempotency_key=r["idempotency_key"],
        document_type=r["document_type"],
        label=r["label"],
        length=r["length"],
        received=r["received"],
        temp_key=r["temp_key"],
        document_id=r["document"],
        expires_at=r["expires_at"],
        locked_until=r["locked_until"],
    )


async def _find(account_id: int, token: str) -> _Upload:
    """The caller's live upload; anyone else's, expired or unknown is not found."""
    if not _TOKEN.match(token):
        raise UploadNotFoundError()
    row = (
        await Upload.select()
        .where(
            (Upload.token == token) & (Upload.account == account_id) & (Upload.expires_at > _now())
        )
        .first()
    )
    if row is None:
        raise UploadNotFoundError()
    return _upload(row)


async def _state(upload: _Upload) -> UploadState:
    document = None
    if upload.document_id is not None:
        found = await owned_documents(upload.account_id, [upload.document_id])
        document = found.get(upload.document_id)
        if document is None:  # removed from the wallet since: nothing to resume
            raise UploadNotFoundError()
    offset = upload.length if document else upload.received
    return UploadState(upload.token, offset, upload.length, upload.expires_at, document)


async def get_upload(account_id: int, token: str) -> UploadState:
    """Where one of the caller's uploads stands."""
    return await _state(await _find(account_id, token))


async def _by_key(account_id: int, key: str) -> _Upload | None:
    row = (
        await Upload.select()
        .where((Upload.account == account_id) & (Upload.idempotency_key == key))
        .first()
    )
    return _upload(row) if row else None


async def _same(upload: _Upload, document_type: str, length: int) -> UploadState:
    """A repeated create: the same upload, unless the key now asks for another file."""
    if upload.document_type != document_type or upload.length != length:
        raise IdempotencyKeyReusedError()
    try:
        return await _state(upload)
    except UploadNotFoundError:  # its document was deleted since, as for the single POST
        raise IdempotencyKeyReusedError() from None


async def _drop(upload: _Upload, storage: Storage) -> None:
    if upload.temp_key is not None:
        await storage.discard(upload.temp_key)
    await Upload.delete().where(Upload.id == upload.id)


async def create_upload(
    account_id: int,
    document_type: str,
    label: str,
    length: int,
    idempotency_key: str | None,
    *,
    settings: Settings,
) -> tuple[UploadState, bool]:
    """Start an upload of `length` bytes for `account_id`; (state, created).

    Not created (200) when the key already names an upload of this account with the same
    type and length (its current state), or a live document of that type and size (a
    completed state). The key with another type or length raises `IdempotencyKeyReusedError`.
    """
    key = check_idempotency_key(idempotency_key)
    if key is None:
        raise UploadHeaderError("Idempotency-Key")
    if length > settings.document_max_bytes:
        raise DocumentTooLargeError(settings.document_max_bytes)
    if length < 1:
        raise UploadHeaderError("Upload-Length")
    label = clean_label(label)
    await require_document_type(document_type)
    storage = storage_for(settings)

    existing = await _by_key(account_id, key)
    if existing is not None and existing.expires_at <= _now():
        await _drop(existing, storage)  # expired but not swept yet: the key starts afresh
        existing = None
    if existing is not None:
        return await _same(existing, document_type, length), False

    document = await by_idempotency_key(account_id, key)
    temp_key = None
    if document is not None:
        # The key already made a document (by the single POST, or an upload since swept).
        if (
            not document.live
            or document.document_type != document_type
            or document.size_bytes != length
        ):
            raise IdempotencyKeyReusedError()
    else:
        await check([(Limits.UPLOAD, str(account_id))])
        temp_key = await storage.begin()
    token = secrets.token_urlsafe(24)
    now = _now()
    try:
        await Upload.insert(
            Upload(
                token=token,
                account=account_id,
                idempotency_key=key,
                document_type=document_type,
                label=label,
                length=length,
                received=length if document else 0,
                temp_key=temp_key,
                document=document.id if document else None,
                created_at=now,
                expires_at=now + UPLOAD_EXPIRY,
            )
        )
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError):
        # The same create raced in twice (a client retrying at once): the other one won.
        if temp_key is not None:
            await storage.discard(temp_key)
        existing = await _by_key(account_id, key)
        if existing is None:
            raise
        return await _same(existing, document_type, length), False
    except BaseException:
        if temp_key is not None:
            with anyio.CancelScope(shield=True):
                await storage.discard(temp_key)
        raise
    return await get_upload(account_id, token), document is None


async def _claim(upload: _Upload, lease: str) -> bool:
    """Take the upload for one PATCH: compare-and-set on the offset, only if no live lease."""
    now = _now()
    claimed = (
        await Upload.update(
            {
                Upload.locked_by: lease,
                Upload.locked_until: now + LEASE,
                Upload.expires_at: now + UPLOAD_EXPIRY,
            }
        )
        .where(
            (Upload.id == upload.id)
            & (Upload.received == upload.received)
            & Upload.document.is_null()
            & (Upload.expires_at > now)
            & (Upload.locked_until.is_null() | (Upload.locked_until < now))
        )
        .returning(Upload.id)
    )
    return bool(claimed)


def _busy(upload: _Upload) -> UploadBusyError:
    remaining = (upload.locked_until or _now()) - _now()
    return UploadBusyError(upload.received, min(BUSY_RETRY_S, math.ceil(remaining.total_seconds())))


async def _refused(account_id: int, token: str, offset: int) -> Exception:
    """Why a claim failed: the offset moved on (or the upload completed), or it is busy."""
    current = await _find(account_id, token)
    if current.document_id is not None:
        return UploadOffsetMismatchError(current.length)
    if current.received != offset:
        return UploadOffsetMismatchError(current.received)
    return _busy(current)


async def _checkpoint(upload: _Upload, lease: str, received: int) -> None:
    """Record durable progress and renew the lease; `UploadBusyError` if it was lost."""
    now = _now()
    kept = (
        await Upload.update(
            {
                Upload.received: received,
                Upload.locked_until: now + LEASE,
                Upload.expires_at: now + UPLOAD_EXPIRY,
            }
        )
        .where((Upload.id == upload.id) & (Upload.locked_by == lease))
        .returning(Upload.id)
    )
    if not kept:
        raise UploadBusyError(received, BUSY_RETRY_S)


async def _release(upload: _Upload, lease: str) -> None:
    await Upload.update({Upload.locked_by: None, Upload.locked_until: None}).where(
        (Upload.id == upload.id) & (Upload.locked_by == lease)
    )


class _Body:
    """The request body in checkpoint-sized segments. It ends quietly when the client goes
    away or stalls (what arrived is kept), and refuses a type we do not accept as soon as the
    file's first MAGIC_BYTES are in."""

    def __init__(self, chunks: AsyncIterator[bytes], head: bytes, *, sniffing: bool) -> None:
        self._chunks = chunks
        self._head = head
        self._sniffing = sniffing
        self.finished = False

    async def segment(self) -> AsyncIterator[bytes]:
        deadline = time.monotonic() + CHECKPOINT_S
        sent = 0
        while sent < CHECKPOINT_BYTES and time.monotonic() < deadline:
            try:
                with anyio.fail_after(STALL_S):
                    chunk = await anext(self._chunks)
            except (StopAsyncIteration, UploadInterruptedError, TimeoutError):
                self.finished = True
                return
            if self._sniffing:
                self._sniff(chunk)
            sent += len(chunk)
            yield chunk

    def _sniff(self, chunk: bytes) -> None:
        self._head += chunk[: MAGIC_BYTES - len(self._head)]
        if len(self._head) >= MAGIC_BYTES:
            self._sniffing = False
            if sniff(self._head) is None:
                raise UnsupportedDocumentTypeError()


async def _receive(
    upload: _Upload, lease: str, chunks: AsyncIterator[bytes], storage: Storage
) -> int:
    """Append the body, checkpoint by checkpoint; the offset reached."""
    temp_key = upload.temp_key
    assert temp_key is not None  # not completed
    received = upload.received
    head = b""
    if 0 < received < MAGIC_BYTES:
        head = await storage.read_head(temp_key, MAGIC_BYTES)
    body = _Body(chunks, head, sniffing=received < MAGIC_BYTES)
    while not body.finished:
        try:
            size = await storage.append(temp_key, received, body.segment(), max_bytes=upload.length)
        except BaseException:
            # What arrived before the failure is on disk: record it, then fail.
            with anyio.CancelScope(shield=True):
                size = await storage.size(temp_key)
                if size != received:
                    await _checkpoint(upload, lease, size)
            raise
        if size != received:
            await _checkpoint(upload, lease, size)
            received = size
    return received


async def _complete(upload: _Upload, lease: str, actor: Actor, storage: Storage) -> None:
    """Turn the received bytes into the wallet document, as `store_upload` does."""
    assert upload.temp_key is not None
    stored = await storage.commit(upload.temp_key)
    try:
        kind = sniff(stored.head)
        if kind is None:  # shorter than MAGIC_BYTES, so not refused while arriving
            raise UnsupportedDocumentTypeError()
        document, created = await record_upload(
            upload.account_id,
            upload.document_type,
            upload.label,
            kind.content_type,
            image_size(kind, stored.head),
            stored,
            upload.idempotency_key,
            actor,
        )
    except (UnsupportedDocumentTypeError, ImageSizeError, IdempotencyKeyReusedError):
        with anyio.CancelScope(shield=True):
            await storage.delete(stored.key)
        raise
    if not created and document.storage_key != stored.key:
        await storage.delete(stored.key)  # the key's first document stays; this copy goes
    now = _now()
    await Upload.update(
        {
            Upload.document: document.id,
            Upload.received: upload.length,
            Upload.temp_key: None,
            Upload.locked_by: None,
            Upload.locked_until: None,
            Upload.expires_at: now + UPLOAD_EXPIRY,
        }
    ).where((Upload.id == upload.id) & (Upload.locked_by == lease))


async def append(
    account_id: int,
    token: str,
    offset: int,
    chunks: AsyncIterator[bytes],
    *,
    actor: Actor,
    settings: Settings,
    declared_size: int | None = None,
) -> tuple[UploadState, bool]:
    """Store the next bytes of an upload, from `offset`; (state, completed by this call).

    `offset` must be the server's (`UploadOffsetMismatchError` says where it is); another
    PATCH holding the upload gives `UploadBusyError`. Bytes past the length are refused
    (`UploadLengthExceededError`, before reading when `declared_size` shows it). A PATCH that
    brings `offset` to the length completes the upload, also an empty one at that offset
    (the bytes arrived but the completion did not happen). Unsupported content (known from
    the first bytes) or a refused image deletes the upload.
    """
    upload = await _find(account_id, token)
    if upload.document_id is not None:
        if offset != upload.length:
            raise UploadOffsetMismatchError(upload.length)
        return await _state(upload), False  # the last PATCH again: it is done
    if offset != upload.received:
        raise UploadOffsetMismatchError(upload.received)
    if declared_size is not None and offset + declared_size > upload.length:
        raise UploadLengthExceededError(offset)
    lease = secrets.token_hex(16)
    if not await _claim(upload, lease):
        raise await _refused(account_id, token, offset)
    storage = storage_for(settings)
    try:
        received = await _receive(upload, lease, chunks, storage)
        completed = received == upload.length
        if completed:
            await _complete(upload, lease, actor, storage)
        else:
            await _release(upload, lease)
    except (UnsupportedDocumentTypeError, ImageSizeError, IdempotencyKeyReusedError):
        # This content can never become a document: nothing of it stays.
        with anyio.CancelScope(shield=True):
            await _drop(upload, storage)
        raise
    except StorageKeyMissingError:
        # The partial bytes are gone (lost storage): the upload cannot go on.
        with anyio.CancelScope(shield=True):
            await _drop(upload, storage)
        raise UploadNotFoundError() from None
    except StorageOffsetError as exc:
        # Storage holds less than the row says: go on from what it has.
        with anyio.CancelScope(shield=True):
            await _checkpoint(upload, lease, exc.size)
            await _release(upload, lease)
        raise UploadOffsetMismatchError(exc.size) from None
    except BaseException:
        with anyio.CancelScope(shield=True):
            await _release(upload, lease)
        raise
    return await get_upload(account_id, token), completed


async def delete_upload(account_id: int, token: str, *, settings: Settings) -> None:
    """Forget an upload and its bytes (a completed upload's document stays in the wallet).
    `UploadBusyError` while a PATCH writes to it."""
    upload = await _find(account_id, token)
    now = _now()
    deleted = (
        await Upload.delete()
        .where(
            (Upload.id == upload.id) & (Upload.locked_until.is_null() | (Upload.locked_until < now))
        )
        .returning(Upload.id)
    )
    if not deleted:
        raise _busy(await _find(account_id, token))
    if upload.temp_key is not None:
        await storage_for(settings).discard(upload.temp_key)


async def remove_uploads(account_id: int) -> tuple[int, list[str]]:
    """Delete every upload of the account (erasure, inside the caller's transaction); how
    many, and the temporary keys whose bytes the caller discards once it has committed."""
    rows = await Upload.delete().where(Upload.account == account_id).returning(Upload.temp_key)
    return len(rows), [r["temp_key"] for r in rows if r["temp_key"] is not None]


async def sweep_uploads(settings: Settings, *, now: dt.datetime | None = None) -> SweepResult:
    """Delete expired uploads with their bytes, then temporary files older than
    ORPHAN_AGE_S (an upload whose row went first, a single upload cut by a crash)."""
    now = now or _now()
    storage = storage_for(settings)
    expired = (Upload.expires_at <= now) & (
        Upload.locked_until.is_null() | (Upload.locked_until < now)
    )
    uploads = 0
    while True:
        rows = await Upload.select(Upload.id, Upload.temp_key).where(expired).limit(SWEEP_BATCH)
        for row in rows:
            if row["temp_key"] is not None:
                await storage.discard(row["temp_key"])
        if rows:
            ids = [row["id"] for row in rows]
            await Upload.delete().where(Upload.id.is_in(ids) & expired)
        uploads += len(rows)
        if len(rows) < SWEEP_BATCH:
            break
    files = await storage.purge_temporary(ORPHAN_AGE_S)
    if uploads or files:
        log.info("swept %d expired uploads, %d temporary files", uploads, files)
    return SweepResult(uploads=uploads, files=files)
