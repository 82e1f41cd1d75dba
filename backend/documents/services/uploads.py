"""Resumable uploads: one wallet document sent in pieces over a connection that may drop.

The protocol is tus's (and the IETF draft "Resumable Uploads for HTTP"), simplified:

1. `create_upload`: the client declares the length and an Idempotency-Key. The same key again
   answers the same upload, so a client that lost the answer resumes; if the key already made
   a document (here or by the single POST), the answer says so.
2. `append`: each PATCH carries the next bytes from the offset the server holds. A dropped
   connection keeps what arrived; the client asks for the offset and goes on from there.
3. The PATCH that reaches the length (`pieces`) completes the upload as `store_upload` would:
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
from dataclasses import dataclass
from typing import Any

import anyio
import asyncpg

from backend.documents.errors import (
    DocumentTooLargeError,
    IdempotencyKeyReusedError,
    UploadBusyError,
    UploadHeaderError,
    UploadNotFoundError,
)
from backend.documents.services.storing import (
    DocumentRow,
    Limits,
    by_idempotency_key,
    check_idempotency_key,
    clean_label,
    require_document_type,
)
from backend.documents.services.wallet import owned_documents
from backend.documents.storage import (
    Storage,
    storage_for,
)
from backend.documents.tables import Upload
from backend.settings import Settings
from backend.system.ratelimit import check

log = logging.getLogger("portal.documents")


UPLOAD_EXPIRY = dt.timedelta(hours=24)
"""An upload untouched this long is gone: a day lets a citizen finish on the next bus ride."""


ORPHAN_AGE_S = (UPLOAD_EXPIRY + dt.timedelta(hours=1)).total_seconds()
"""Temporary files untouched this long belong to no live upload (each append touches its file
and pushes the expiry): the sweep removes them, crashed single uploads' ones included."""


SWEEP_BATCH = 200


BUSY_RETRY_S = 5
"""Retry-After for a PATCH refused because another one holds the upload (at most)."""

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
class OpenUpload:
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


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _upload(r: dict[str, Any]) -> OpenUpload:
    return OpenUpload(
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


async def find_upload(account_id: int, token: str) -> OpenUpload:
    """The caller's live upload; anyone else's, expired or unknown is not found."""
    if not _TOKEN.match(token):
        raise UploadNotFoundError()
    row = (
        await Upload.select()
        .where(
            (Upload.token == token)
            & (Upload.account == account_id)
            & (Upload.expires_at > utc_now())
        )
        .first()
    )
    if row is None:
        raise UploadNotFoundError()
    return _upload(row)


async def state_of(upload: OpenUpload) -> UploadState:
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
    return await state_of(await find_upload(account_id, token))


async def upload_progress(account_id: int, token: str) -> tuple[UploadState, int | None]:
    """Where an upload stands, and how long to wait before sending more while a PATCH still
    writes to it (a client back after a dropped connection whose request is still arriving)."""
    upload = await find_upload(account_id, token)
    return await state_of(upload), busy_for(upload)


async def _by_key(account_id: int, key: str) -> OpenUpload | None:
    row = (
        await Upload.select()
        .where((Upload.account == account_id) & (Upload.idempotency_key == key))
        .first()
    )
    return _upload(row) if row else None


async def _same(upload: OpenUpload, document_type: str, length: int) -> UploadState:
    """A repeated create: the same upload, unless the key now asks for another file."""
    if upload.document_type != document_type or upload.length != length:
        raise IdempotencyKeyReusedError()
    try:
        return await state_of(upload)
    except UploadNotFoundError:  # its document was deleted since, as for the single POST
        raise IdempotencyKeyReusedError() from None


async def drop_upload(upload: OpenUpload, storage: Storage) -> None:
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
    if existing is not None and existing.expires_at <= utc_now():
        await drop_upload(existing, storage)  # expired but not swept yet: the key starts afresh
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
    now = utc_now()
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


async def delete_upload(account_id: int, token: str, *, settings: Settings) -> None:
    """Forget an upload and its bytes (a completed upload's document stays in the wallet).
    `UploadBusyError` while a PATCH writes to it."""
    upload = await find_upload(account_id, token)
    now = utc_now()
    deleted = (
        await Upload.delete()
        .where(
            (Upload.id == upload.id) & (Upload.locked_until.is_null() | (Upload.locked_until < now))
        )
        .returning(Upload.id)
    )
    if not deleted:
        raise busy_error(await find_upload(account_id, token))
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
    now = now or utc_now()
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


def busy_for(upload: OpenUpload) -> int | None:
    """Seconds to wait (at most BUSY_RETRY_S) while a PATCH holds the upload, else None."""
    if upload.locked_until is None or upload.document_id is not None:
        return None
    remaining = (upload.locked_until - utc_now()).total_seconds()
    return min(BUSY_RETRY_S, math.ceil(remaining)) if remaining > 0 else None


def busy_error(upload: OpenUpload) -> UploadBusyError:
    return UploadBusyError(upload.received, busy_for(upload) or 1)
