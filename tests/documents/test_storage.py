"""LocalStorage: atomic, streamed, and nothing left behind on any failure."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.documents.errors import (
    DocumentTooLargeError,
    UnsupportedDocumentTypeError,
    UploadLengthExceededError,
)
from backend.documents.storage import (
    HEAD_BYTES,
    LocalStorage,
    StorageKeyMissingError,
    StorageOffsetError,
)
from tests.support.files import stored_files


async def chunked(data: bytes, size: int = 10_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_save_open_delete_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "documents")
    data = bytes(range(256)) * 2000  # 512 000 bytes: more than HEAD_BYTES
    stored = await storage.save(chunked(data), max_bytes=len(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.head == data[:HEAD_BYTES]

    path = storage.path_for(stored.key)
    assert path.relative_to(tmp_path / "documents").parts == (
        stored.key[:2],
        stored.key[2:4],
        stored.key,
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored_files(tmp_path) == [path]  # the temporary file was renamed, not copied

    assert await read_all(await storage.open(stored.key)) == data
    await storage.delete(stored.key)
    await storage.delete(stored.key)  # already gone: fine
    assert stored_files(tmp_path) == []
    with pytest.raises(StorageKeyMissingError):
        await storage.open(stored.key)


async def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(DocumentTooLargeError):
        await storage.save(chunked(bytes(100_001)), max_bytes=100_000)
    assert stored_files(tmp_path) == []


async def test_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    stored = await LocalStorage(tmp_path).save(chunked(bytes(100_000)), max_bytes=100_000)
    assert stored.size == 100_000


async def test_a_failing_source_leaves_nothing(tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield bytes(200_000)  # enough to have written to the temporary file
        raise UnsupportedDocumentTypeError()

    with pytest.raises(UnsupportedDocumentTypeError):
        await LocalStorage(tmp_path).save(broken(), max_bytes=10**7)
    assert stored_files(tmp_path) == []


async def test_cancellation_mid_upload_leaves_nothing(tmp_path: Path) -> None:
    started = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield bytes(200_000)
        started.set()
        await asyncio.sleep(3600)  # the phone lost signal
        yield b""

    task = asyncio.create_task(LocalStorage(tmp_path).save(stalled(), max_bytes=10**7))
    await started.wait()
    assert stored_files(tmp_path)  # the temporary file exists while uploading
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stored_files(tmp_path) == []


def test_keys_cannot_leave_the_directory(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for key in ("../../etc/passwd", "ab/../../x", "A" * 32, ""):
        with pytest.raises(ValueError, match="malformed storage key"):
            storage.path_for(key)


# -- resumable uploads ---------------------------------------------------------------------


async def test_a_temporary_object_built_in_pieces_is_committed(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    data = bytes(range(256)) * 2000
    key = await storage.begin()
    temp = storage.temp_path_for(key)
    assert stored_files(tmp_path) == [temp]
    assert stat.S_IMODE(temp.stat().st_mode) == 0o600
    assert await storage.append(key, 0, chunked(data[:300_000]), max_bytes=len(data)) == 300_000
    assert await storage.append(key, 300_000, chunked(data[300_000:]), max_bytes=len(data)) == len(
        data
    )
    assert await storage.size(key) == len(data)
    assert await storage.read_head(key, 8) == data[:8]

    stored = await storage.commit(key)
    assert (stored.key, stored.size) == (key, len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.head == data[:HEAD_BYTES]
    assert stored_files(tmp_path) == [storage.path_for(key)]  # renamed, not copied
    assert await storage.commit(key) == stored  # again after a crash: the same answer
    assert await read_all(await storage.open(key)) == data
    await storage.discard(key)  # never touches a committed object
    assert stored_files(tmp_path) == [storage.path_for(key)]


async def test_append_keeps_what_arrived_before_a_failure(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = await storage.begin()

    async def breaks() -> AsyncIterator[bytes]:
        yield b"%PDF-" + bytes(99_995)
        yield bytes(50_000)
        raise ConnectionResetError

    with pytest.raises(ConnectionResetError):
        await storage.append(key, 0, breaks(), max_bytes=10**7)
    assert await storage.size(key) == 150_000


async def test_cancelling_an_append_keeps_what_arrived(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = await storage.begin()
    arrived = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield bytes(200_000)
        arrived.set()
        await asyncio.sleep(3600)
        yield b""

    task = asyncio.create_task(storage.append(key, 0, stalled(), max_bytes=10**7))
    await arrived.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await storage.size(key) == 200_000


async def test_append_cuts_bytes_past_the_callers_offset(tmp_path: Path) -> None:
    """A crash after writing but before the row recorded it: the row's offset wins."""
    storage = LocalStorage(tmp_path)
    key = await storage.begin()
    await storage.append(key, 0, chunked(b"a" * 1000), max_bytes=10_000)
    assert await storage.append(key, 500, chunked(b"b" * 100), max_bytes=10_000) == 600
    assert storage.temp_path_for(key).read_bytes() == b"a" * 500 + b"b" * 100
    with pytest.raises(StorageOffsetError) as missing:
        await storage.append(key, 700, chunked(b"c"), max_bytes=10_000)
    assert missing.value.size == 600


async def test_append_keeps_nothing_past_the_limit(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = await storage.begin()
    with pytest.raises(UploadLengthExceededError) as exceeded:
        await storage.append(key, 0, chunked(bytes(150_000)), max_bytes=100_000)
    assert exceeded.value.offset == 100_000
    assert await storage.size(key) == 100_000


async def test_a_missing_temporary_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = await storage.begin()
    await storage.discard(key)
    await storage.discard(key)  # already gone: fine
    assert stored_files(tmp_path) == []
    with pytest.raises(StorageKeyMissingError):
        await storage.append(key, 0, chunked(b"x"), max_bytes=10)
    with pytest.raises(StorageKeyMissingError):
        await storage.size(key)
    with pytest.raises(StorageKeyMissingError):
        await storage.read_head(key, 8)
    with pytest.raises(StorageKeyMissingError):
        await storage.commit(key)


async def test_purge_removes_only_old_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stored = await storage.save(chunked(b"%PDF-1.4"), max_bytes=100)
    old, fresh = await storage.begin(), await storage.begin()
    day_and_more = time.time() - 90_000
    for path in (storage.temp_path_for(old), storage.path_for(stored.key)):
        os.utime(path, (day_and_more, day_and_more))
    assert await storage.purge_temporary(86_400) == 1
    assert stored_files(tmp_path) == sorted(
        [storage.path_for(stored.key), storage.temp_path_for(fresh)]
    )
