"""LocalStorage: atomic, streamed, and nothing left behind on any failure."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.documents.errors import DocumentTooLargeError, UnsupportedDocumentTypeError
from backend.documents.storage import HEAD_BYTES, LocalStorage, StorageKeyMissingError
from tests.documents.files import stored_files


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
