"""A real cut connection: over a raw socket, half a PATCH body reaches a live `portal serve`
and the socket closes. The server keeps that half, and the client goes on from there."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from backend.documents.storage import TEMP_SUFFIX
from tests.support.authenticator import SoftAuthenticator
from tests.support.files import pdf, stored_files
from tests.support.flows import csrf, enrol_citizen
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow

UPLOADS = "/api/v1/documents/uploads"
DATA = pdf("ทะเบียนบ้าน") + bytes(range(256)) * 1200


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("resumable"))
    live.start()
    yield live
    live.stop()


async def offset_of(client: httpx.AsyncClient, upload_id: str) -> int:
    response = await client.head(f"{UPLOADS}/{upload_id}")
    assert response.status_code == 204
    return int(response.headers["upload-offset"])


async def test_a_connection_closed_mid_body_keeps_what_arrived(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        await enrol_citizen(client, SoftAuthenticator(origin=server.url))
        created = await client.post(
            UPLOADS,
            params={"document_type": "house_registration"},
            headers={**csrf(client), "idempotency-key": "live-1", "upload-length": str(len(DATA))},
        )
        assert created.status_code == 201, created.text
        upload_id = created.json()["id"]

        half = len(DATA) // 2
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        head = (
            f"PATCH {UPLOADS}/{upload_id} HTTP/1.1\r\n"
            f"Host: localhost:{server.port}\r\n"
            f"Cookie: {cookies}\r\n"
            f"X-CSRF-Token: {client.cookies['portal_csrf']}\r\n"
            "Upload-Offset: 0\r\n"
            "Content-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(DATA)}\r\n\r\n"
        )
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(head.encode() + DATA[:half])
        await writer.drain()
        await asyncio.sleep(0.5)  # the server reads what arrived…
        writer.close()  # …then the phone loses signal
        await writer.wait_closed()

        async with asyncio.timeout(10):
            while True:
                offset = await offset_of(client, upload_id)
                if offset == half:
                    break
                await asyncio.sleep(0.05)
        [part] = [p for p in stored_files(server.var_dir) if p.name.endswith(TEMP_SUFFIX)]
        assert part.stat().st_size == half
        assert server.sql("SELECT received, locked_by FROM document_upload") == [(half, None)]

        rest = await client.patch(
            f"{UPLOADS}/{upload_id}",
            content=DATA[half:],
            headers={**csrf(client), "upload-offset": str(half)},
        )
        assert rest.status_code == 201, rest.text
        document_id = rest.json()["document"]["id"]
        content = await client.get(f"/api/v1/documents/{document_id}/content")
        assert content.content == DATA
    assert server.sql("SELECT COUNT(*) FROM document") == [(1,)]
    assert "Traceback" not in (server.var_dir / "server.log").read_text()
