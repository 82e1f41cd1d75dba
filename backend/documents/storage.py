"""Where document bytes live: the `Storage` protocol and `LocalStorage`, a directory on disk.

The protocol is three calls, each streaming so no file is ever held whole in memory:

- `save(chunks, max_bytes=…)` consumes an async iterator of bytes and returns `Stored` (a new
  random key, the size, the SHA-256 and the first HEAD_BYTES for sniffing). It is all or
  nothing: on any failure (too large, the client disconnecting, the caller's iterator raising
  because the type is wrong, a full disk, cancellation) nothing is left behind.
- `open(key)` checks the object exists, then returns an async iterator of its bytes.
- `delete(key)` removes it (a missing key is not an error).

An object store (S3, MinIO, Google Cloud Storage) implements the same protocol: `save` streams
parts of a multipart upload under a fresh key, hashing as it goes, completes the upload at the
end and aborts it on any failure; `open` streams a GET; `delete` is a DELETE. It would be
selected by a setting next to `storage_for`, which today always answers `LocalStorage`.

`LocalStorage` lays files out under `<VAR_DIR>/documents/ab/cd/abcd…` (two levels of 256
directories, so no directory grows past a few thousand entries with millions of documents).
An upload is written to a hidden temporary file in its final directory, fsynced, then renamed
into place: rename within one directory is atomic, so a reader sees the whole file or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from anyio import to_thread

from backend.documents.errors import DocumentTooLargeError
from backend.settings import Settings

__all__ = [
    "CHUNK_BYTES",
    "HEAD_BYTES",
    "LocalStorage",
    "Storage",
    "StorageKeyMissingError",
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
    """`open` found no object under the key."""


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


class LocalStorage:
    """Documents in a local directory (one server, or a shared filesystem mounted by all)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours, but never let one walk out of root
            raise ValueError(f"malformed storage key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    async def save(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> Stored:
        key = secrets.token_hex(16)
        final = self.path_for(key)
        temp = final.with_name(f".{key}{TEMP_SUFFIX}")
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


def _create_exclusive(path: Path) -> BinaryIO:
    # 0600: documents are personal data; only the portal's user reads them.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _commit(file: BinaryIO, rest: bytes, temp: Path, final: Path) -> None:
    """Write the rest, make the bytes durable, then publish them under the final name."""
    file.write(rest)
    file.flush()
    os.fsync(file.fileno())
    file.close()
    os.replace(temp, final)
    # The rename itself is durable only once the directory entry is synced.
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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
