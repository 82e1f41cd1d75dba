"""Where document bytes live: the `Storage` protocol and `LocalStorage`, a directory on disk.

Every call streams, so no file is ever held whole in memory. Whole uploads take three calls:

- `save(chunks, max_bytes=…)` consumes an async iterator of bytes and returns `Stored` (a new
  random key, the size, the SHA-256 and the first HEAD_BYTES for sniffing). It is all or
  nothing: on any failure (too large, the client disconnecting, the caller's iterator raising
  because the type is wrong, a full disk, cancellation) nothing is left behind.
- `open(key)` checks the object exists, then returns an async iterator of its bytes.
- `delete(key)` removes it (a missing key is not an error).

Resumable uploads (`services.uploads`) build an object piece by piece under a temporary key:

- `begin()` makes an empty temporary object and returns its key.
- `append(temp_key, offset, chunks, max_bytes=…)` adds bytes at `offset` and returns the new
  size. What arrived stays, durably, even when `chunks` raises (a dropped connection); bytes
  past `max_bytes` are never kept. Bytes beyond `offset` from an append whose size the caller
  never recorded (a crash) are cut off first: the caller's offset is the truth.
- `size(temp_key)` and `read_head(temp_key, n)` read its state back.
- `commit(temp_key)` publishes it as a stored object and returns `Stored` (the SHA-256 is
  computed by streaming it once). Repeating it after a crash mid-way answers the same.
- `discard(temp_key)` forgets the temporary bytes (never a committed object).
- `purge_temporary(older_than_s)` removes temporary objects nobody touched for that long: an
  abandoned upload whose row is gone, or a `save` interrupted by a crash.

An object store (S3, MinIO, Google Cloud Storage) implements the same protocol. `save` streams
parts of a multipart upload under a fresh key, hashing as it goes, completes the upload at the
end and aborts it on any failure; `open` streams a GET; `delete` is a DELETE. For resumable
uploads `begin` starts a multipart upload (the temporary key names it); `append` sends each
full 5 MiB as a part (UploadPart, S3's minimum except for the last) and keeps a shorter tail,
and the first HEAD_BYTES, as small objects of their own, read back and sent first by the next
append; `size` adds up ListParts and the tail; `commit` sends the tail as the last part,
CompleteMultipartUpload, then reads the object once for its SHA-256; `discard` is
AbortMultipartUpload plus deleting the small objects; `purge_temporary` is a bucket lifecycle
rule that aborts incomplete multipart uploads after a day. It would be selected by a setting
next to `storage_for`, which today always answers `LocalStorage`.

`LocalStorage` lays files out under `<VAR_DIR>/documents/ab/cd/abcd…` (two levels of 256
directories, so no directory grows past a few thousand entries with millions of documents).
An upload is written to a hidden temporary file (`.abcd….part`) in its final directory,
fsynced, then renamed into place: rename within one directory is atomic, so a reader sees the
whole file or nothing. A resumable upload's temporary file is fsynced at the end of every
append and renamed the same way by `commit`, its key becoming the stored object's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from anyio import to_thread

from backend.documents.errors import DocumentTooLargeError, UploadLengthExceededError
from backend.settings import Settings

__all__ = [
    "CHUNK_BYTES",
    "HEAD_BYTES",
    "LocalStorage",
    "Storage",
    "StorageKeyMissingError",
    "StorageOffsetError",
    "Stored",
    "storage_for",
]

HEAD_BYTES = 256 * 1024
"""How much of the start of a file `save` keeps for sniffing: a JPEG's frame header follows
its EXIF block (≤ 64 KiB) and any colour profile, well within this."""

CHUNK_BYTES = 64 * 1024
"""Read size when streaming a stored file back, and the unit of writes to disk."""

TEMP_SUFFIX = ".part"
"""Temporary uploads are `.<key>.part`: a crash mid-upload leaves only these to sweep."""

_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Stored:
    """A saved object: its key, size in bytes, hex SHA-256, and its first HEAD_BYTES."""

    key: str
    size: int
    sha256: str
    head: bytes


class StorageKeyMissingError(LookupError):
    """No object (or temporary object) under the key."""


class StorageOffsetError(ValueError):
    """`append` at an offset past the temporary object's end: bytes recorded as received are
    missing from storage."""

    def __init__(self, offset: int, size: int) -> None:
        super().__init__(f"append at {offset} but only {size} bytes are stored")
        self.size = size


class Storage(Protocol):
    async def save(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> Stored:
        """Store the bytes under a new key; raise `DocumentTooLargeError` past `max_bytes`.
        On any failure nothing is kept."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks; raises `StorageKeyMissingError` at once if absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is fine."""
        ...

    async def begin(self) -> str:
        """A new, empty temporary object; its key."""
        ...

    async def append(
        self, temp_key: str, offset: int, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> int:
        """Add `chunks` at `offset` (what is stored past it is cut off first); the new size.
        Past `max_bytes` raise `UploadLengthExceededError`, keeping the bytes up to it. On any
        failure what was written is kept, durably, and the error propagates: `size` says how
        much. `StorageOffsetError` when fewer than `offset` bytes are stored."""
        ...

    async def size(self, temp_key: str) -> int:
        """Bytes in the temporary object; `StorageKeyMissingError` if absent."""
        ...

    async def read_head(self, temp_key: str, limit: int) -> bytes:
        """The first `limit` bytes (fewer if it is shorter)."""
        ...

    async def commit(self, temp_key: str) -> Stored:
        """Publish the temporary object as a stored one (idempotent); its `Stored`."""
        ...

    async def discard(self, temp_key: str) -> None:
        """Forget the temporary object; a missing key is fine."""
        ...

    async def purge_temporary(self, older_than_s: float) -> int:
        """Remove temporary objects untouched for `older_than_s` seconds; how many."""
        ...


class LocalStorage:
    """Documents in a local directory (one server, or a shared filesystem mounted by all)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours, but never let one walk out of root
            raise ValueError(f"malformed storage key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def temp_path_for(self, key: str) -> Path:
        final = self.path_for(key)
        return final.with_name(f".{key}{TEMP_SUFFIX}")

    async def save(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> Stored:
        key = secrets.token_hex(16)
        final = self.path_for(key)
        temp = self.temp_path_for(key)
        await to_thread.run_sync(lambda: final.parent.mkdir(parents=True, exist_ok=True))
        file = await to_thread.run_sync(_create_exclusive, temp)
        digest = hashlib.sha256()
        head = bytearray()
        size = 0
        pending = bytearray()
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise DocumentTooLargeError(max_bytes)
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                pending += chunk
                if len(pending) >= CHUNK_BYTES:
                    # Small network chunks are batched so each thread hop writes ≥ 64 KiB.
                    data, pending = bytes(pending), bytearray()
                    await to_thread.run_sync(file.write, data)
            await to_thread.run_sync(_commit, file, bytes(pending), temp, final)
        except BaseException:
            # Synchronous on purpose: a cancelled task (client gone) cannot skip this.
            file.close()
            temp.unlink(missing_ok=True)
            final.unlink(missing_ok=True)  # a new random key: only ever this upload's file
            raise
        return Stored(key=key, size=size, sha256=digest.hexdigest(), head=bytes(head))

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        try:
            file = await to_thread.run_sync(path.open, "rb")
        except FileNotFoundError as exc:
            raise StorageKeyMissingError(key) from exc
        return _read_chunks(file)

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        await to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def begin(self) -> str:
        key = secrets.token_hex(16)
        temp = self.temp_path_for(key)
        await to_thread.run_sync(lambda: temp.parent.mkdir(parents=True, exist_ok=True))
        file = await to_thread.run_sync(_create_exclusive, temp)
        file.close()
        return key

    async def append(
        self, temp_key: str, offset: int, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> int:
        file = await to_thread.run_sync(_open_at, self.temp_path_for(temp_key), offset)
        size = offset
        pending = bytearray()
        try:
            async for chunk in chunks:
                if size + len(chunk) > max_bytes:
                    pending += chunk[: max_bytes - size]
                    raise UploadLengthExceededError(max_bytes)
                size += len(chunk)
                pending += chunk
                if len(pending) >= CHUNK_BYTES:
                    data, pending = bytes(pending), bytearray()
                    await to_thread.run_sync(file.write, data)
            data, pending = bytes(pending), bytearray()
            await to_thread.run_sync(_write_durably, file, data)
        except BaseException:
            # Keep what arrived: the client goes on from there. Synchronous on purpose, as in
            # `save`: a cancelled task cannot skip it. A failing disk shows in `size`.
            with contextlib.suppress(OSError):
                _write_durably(file, bytes(pending))
            file.close()
            raise
        return size

    async def size(self, temp_key: str) -> int:
        try:
            stat = await to_thread.run_sync(self.temp_path_for(temp_key).stat)
        except FileNotFoundError as exc:
            raise StorageKeyMissingError(temp_key) from exc
        return stat.st_size

    async def read_head(self, temp_key: str, limit: int) -> bytes:
        path = self.temp_path_for(temp_key)

        def read() -> bytes:
            with path.open("rb") as file:
                return file.read(limit)

        try:
            return await to_thread.run_sync(read)
        except FileNotFoundError as exc:
            raise StorageKeyMissingError(temp_key) from exc

    async def commit(self, temp_key: str) -> Stored:
        temp, final = self.temp_path_for(temp_key), self.path_for(temp_key)
        size, sha256, head = await to_thread.run_sync(_publish_and_hash, temp, final)
        return Stored(key=temp_key, size=size, sha256=sha256, head=head)

    async def discard(self, temp_key: str) -> None:
        temp = self.temp_path_for(temp_key)
        await to_thread.run_sync(lambda: temp.unlink(missing_ok=True))

    async def purge_temporary(self, older_than_s: float) -> int:
        return await to_thread.run_sync(_purge_temporary, self.root, time.time() - older_than_s)


def _create_exclusive(path: Path) -> BinaryIO:
    # 0600: documents are personal data; only the portal's user reads them.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _commit(file: BinaryIO, rest: bytes, temp: Path, final: Path) -> None:
    """Write the rest, make the bytes durable, then publish them under the final name."""
    _write_durably(file, rest)
    os.replace(temp, final)
    # The rename itself is durable only once the directory entry is synced.
    _fsync_directory(final.parent)


def _open_at(path: Path, offset: int) -> BinaryIO:
    """The temporary file, open for writing at `offset` (cut there if longer)."""
    try:
        file = path.open("r+b")
    except FileNotFoundError as exc:
        raise StorageKeyMissingError(path.name) from exc
    size = os.fstat(file.fileno()).st_size
    if size < offset:
        file.close()
        raise StorageOffsetError(offset, size)
    if size > offset:
        file.truncate(offset)
    file.seek(offset)
    os.utime(file.fileno())  # touched even when nothing arrives: `purge_temporary` goes by age
    return file


def _write_durably(file: BinaryIO, rest: bytes) -> None:
    """Write the rest, flush, fsync and close."""
    file.write(rest)
    file.flush()
    os.fsync(file.fileno())
    file.close()


def _fsync_directory(path: Path) -> None:
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _publish_and_hash(temp: Path, final: Path) -> tuple[int, str, bytes]:
    """Rename `temp` to `final` unless an earlier try did, then hash `final`."""
    try:
        os.replace(temp, final)
    except FileNotFoundError:
        if not final.exists():
            raise StorageKeyMissingError(final.name) from None
    else:
        _fsync_directory(final.parent)
    digest = hashlib.sha256()
    head = b""
    size = 0
    with final.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest(), head


def _purge_temporary(root: Path, cutoff: float) -> int:
    """Delete `.<key>.part` files under `root` last modified before `cutoff` (epoch s)."""
    removed = 0
    for directory, _, names in os.walk(root):
        for name in names:
            if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
                continue
            path = Path(directory, name)
            with contextlib.suppress(FileNotFoundError):  # a commit or discard got there first
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
    return removed


async def _read_chunks(file: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await to_thread.run_sync(file.read, CHUNK_BYTES):
            yield chunk
    finally:
        with contextlib.suppress(OSError):
            file.close()


def storage_for(settings: Settings) -> Storage:
    """The configured storage: today always the local directory `<VAR_DIR>/documents`."""
    return LocalStorage(Path(settings.var_dir).resolve() / "documents")
