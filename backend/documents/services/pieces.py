"""Receiving an upload's pieces (see uploads for the protocol): one PATCH claims the upload
with a compare-and-set lease, writes and fsyncs what arrives, checkpoints its progress, and
completes the document at the last byte."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import AsyncIterator

import anyio

from backend.documents.errors import (
    IdempotencyKeyReusedError,
    ImageSizeError,
    UnsupportedDocumentTypeError,
    UploadBusyError,
    UploadInterruptedError,
    UploadLengthExceededError,
    UploadNotFoundError,
    UploadOffsetMismatchError,
)
from backend.documents.services.storing import (
    record_upload,
)
from backend.documents.services.uploads import (
    BUSY_RETRY_S,
    UPLOAD_EXPIRY,
    OpenUpload,
    UploadState,
    busy_error,
    drop_upload,
    find_upload,
    get_upload,
    state_of,
    utc_now,
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


async def _claim(upload: OpenUpload, lease: str) -> bool:
    """Take the upload for one PATCH: compare-and-set on the offset, only if no live lease."""
    now = utc_now()
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


async def _refused(account_id: int, token: str, offset: int) -> Exception:
    """Why a claim failed: the offset moved on (or the upload completed), or it is busy."""
    current = await find_upload(account_id, token)
    if current.document_id is not None:
        return UploadOffsetMismatchError(current.length)
    if current.received != offset:
        return UploadOffsetMismatchError(current.received)
    return busy_error(current)


async def _checkpoint(upload: OpenUpload, lease: str, received: int) -> None:
    """Record durable progress and renew the lease; `UploadBusyError` if it was lost."""
    now = utc_now()
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


async def _release(upload: OpenUpload, lease: str) -> None:
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
    upload: OpenUpload, lease: str, chunks: AsyncIterator[bytes], storage: Storage
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


async def _complete(upload: OpenUpload, lease: str, actor: Actor, storage: Storage) -> None:
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
    now = utc_now()
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
    upload = await find_upload(account_id, token)
    if upload.document_id is not None:
        if offset != upload.length:
            raise UploadOffsetMismatchError(upload.length)
        return await state_of(upload), False  # the last PATCH again: it is done
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
            await drop_upload(upload, storage)
        raise
    except StorageKeyMissingError:
        # The partial bytes are gone (lost storage): the upload cannot go on.
        with anyio.CancelScope(shield=True):
            await drop_upload(upload, storage)
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
