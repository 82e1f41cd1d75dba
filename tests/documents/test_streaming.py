"""Uploads stream to disk chunk by chunk, and a failure at any point leaves nothing behind.

These drive the ASGI app directly with one `http.request` message per chunk, as uvicorn does
for a body arriving slowly over a phone's connection (the test client would send it whole).
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.asgi import create_app
from backend.documents.tables import Document
from backend.lib.db import current_engine
from backend.settings import Settings
from tests.support.files import asgi_upload, pdf, stored_files
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
CHUNK = 64 * 1024
PARAMS = {"document_type": "house_registration", "label": "ทะเบียนบ้าน"}


async def big_pdf(total: int, digest: Any = None) -> AsyncIterator[bytes]:
    """A `total`-byte PDF-looking body made one chunk at a time, never whole."""
    sent = 0
    while sent < total:
        size = min(CHUNK, total - sent)
        chunk = (b"%PDF-1.4\n%" + bytes(size))[:size] if sent == 0 else bytes([sent % 251]) * size
        if digest is not None:
            digest.update(chunk)
        sent += size
        yield chunk


async def test_a_multi_megabyte_upload_never_sits_in_memory(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    total = 8 * 1024 * 1024
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        result = await asgi_upload(
            client, big_pdf(total, digest), params=PARAMS, headers=csrf(client)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == 201, result.body
    assert result.chunks_read == total // CHUNK
    # The whole body is 8 MiB; the server holds a head for sniffing and a chunk or two.
    assert peak < 1.5 * 1024 * 1024, f"peak {peak} bytes while uploading {total}"

    body = result.json()
    assert body["size_bytes"] == total
    row = await Document.select().where(Document.id == body["id"]).first()
    assert row is not None
    assert row["sha256"] == digest.hexdigest()
    [path] = stored_files(documents_dir)
    assert path.stat().st_size == total
    content = await client.get(f"/api/v1/documents/{body['id']}/content")
    assert hashlib.sha256(content.content).hexdigest() == digest.hexdigest()


async def test_losing_the_connection_mid_upload_leaves_nothing(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    result = await asgi_upload(
        client,
        big_pdf(2 * 1024 * 1024),
        params=PARAMS,
        headers={**csrf(client), "idempotency-key": "lost-signal-1"},
        disconnect_after=10,
    )
    assert result.chunks_read == 10
    assert result.status == 400
    assert result.json()["code"] == "upload_interrupted"
    assert await Document.count() == 0
    assert stored_files(documents_dir) == []

    # The phone retries with the same key once back in coverage: it is stored once.
    retried = await asgi_upload(
        client,
        big_pdf(2 * 1024 * 1024),
        params=PARAMS,
        headers={**csrf(client), "idempotency-key": "lost-signal-1"},
    )
    assert retried.status == 201
    assert len(stored_files(documents_dir)) == 1


async def test_too_large_is_stopped_while_streaming(
    settings: Settings, client: Client, documents_dir: Path
) -> None:
    """Without Content-Length (a chunked upload) the limit is enforced on the bytes received,
    and reading stops there."""
    await enrol_citizen(client)
    small = msgspec.structs.replace(settings, document_max_bytes=5 * CHUNK)
    app = create_app(settings=small, engine=current_engine(), pool=False)
    result = await asgi_upload(
        client, big_pdf(50 * CHUNK), params=PARAMS, headers=csrf(client), app=app
    )
    assert result.status == 413
    assert result.json()["code"] == "document_too_large"
    assert result.chunks_read == 6
    assert await Document.count() == 0
    assert stored_files(documents_dir) == []


async def test_a_renamed_executable_is_stopped_after_the_first_chunk(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)

    async def exe() -> AsyncIterator[bytes]:
        yield b"MZ\x90\x00" + bytes(CHUNK - 4)
        for _ in range(100):
            yield bytes(CHUNK)

    result = await asgi_upload(
        client, exe(), params=PARAMS, headers={**csrf(client), "content-type": "application/pdf"}
    )
    assert result.status == 415
    assert result.json()["code"] == "unsupported_document_type"
    assert result.chunks_read == 1
    assert stored_files(documents_dir) == []


async def test_small_first_chunks_are_sniffed_together(client: Client) -> None:
    """A slow link may deliver the first bytes one or two at a time."""
    await enrol_citizen(client)
    data = pdf()
    result = await asgi_upload(
        client,
        [data[i : i + 3] for i in range(0, len(data), 3)],
        params=PARAMS,
        headers=csrf(client),
    )
    assert result.status == 201, result.body
    assert result.json()["content_type"] == "application/pdf"
