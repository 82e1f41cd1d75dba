"""Tiny but well-formed PDF, PNG and JPEG files, built here so the tests need no fixtures on
disk; and an upload driven straight through the ASGI interface, chunk by chunk, the way a
server such as uvicorn delivers a slow phone's body (the test client sends it in one piece)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar.testing import AsyncTestClient

__all__ = ["AsgiResult", "asgi_upload", "jpeg", "pdf", "png", "stored_files"]


def pdf(text: str = "Hello") -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 3, height: int = 2, *, declared: tuple[int, int] | None = None) -> bytes:
    """A grey 8-bit PNG. `declared` writes another size into IHDR (a lying header)."""
    w, h = declared or (width, height)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([(x * 40) % 256 for x in range(width)]) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int = 4, height: int = 3, *, exif_bytes: int = 0, sof: int = 0xC0) -> bytes:
    """JPEG markers as a camera writes them: SOI, APP0 (JFIF), optionally a big APP1 (EXIF),
    DQT, SOFn with the size, DHT, SOS, a little entropy-coded data, EOI. Only the headers are
    meaningful; nothing here decodes pixels."""
    parts = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if exif_bytes:
        parts.append(_segment(0xE1, b"Exif\x00\x00" + bytes(exif_bytes)))
    parts.append(_segment(0xDB, b"\x00" + bytes(range(1, 65))))
    parts.append(b"\xff")  # a fill byte before the next marker is legal
    parts.append(_segment(sof, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"))
    parts.append(_segment(0xC4, b"\x00" + bytes(16) + b""))
    parts.append(_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"))
    parts.append(b"\x12\x34\x56\x78" * 8)
    parts.append(b"\xff\xd9")
    return b"".join(parts)


@dataclass
class AsgiResult:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0

    def json(self) -> Any:
        import json

        return json.loads(self.body)


async def asgi_upload(
    client: AsyncTestClient[Any],
    chunks: AsyncIterator[bytes] | Iterable[bytes],
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    disconnect_after: int | None = None,
    app: Any = None,
    method: str = "POST",
    path: str = "/api/v1/documents",
) -> AsgiResult:
    """POST /api/v1/documents (or `method` `path`) through the ASGI app, one `http.request`
    message per chunk (no Content-Length: like a chunked upload). The client's cookies go
    along. `disconnect_after=N` sends `http.disconnect` after N chunks, as when a phone loses
    signal."""
    result = AsgiResult()
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    raw_headers = [(b"host", b"portal.localhost:8000"), (b"cookie", cookie.encode())]
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode(), value.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": urlencode(params or {}).encode(),
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("portal.localhost", 8000),
        "state": {},
    }

    async def as_async(items: Iterable[bytes]) -> AsyncIterator[bytes]:
        for item in items:
            yield item

    source = chunks if isinstance(chunks, AsyncIterator) else as_async(chunks)
    finished = False

    async def receive() -> dict[str, Any]:
        nonlocal finished
        if finished or (disconnect_after is not None and result.chunks_read >= disconnect_after):
            return {"type": "http.disconnect"}
        try:
            chunk = await anext(source)
        except StopAsyncIteration:
            finished = True
            return {"type": "http.request", "body": b"", "more_body": False}
        result.chunks_read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            result.body += message.get("body", b"")

    await (app or client.app)(scope, receive, send)
    return result


def stored_files(root: Path) -> list[Path]:
    """Every file under the documents directory, temporary (hidden `.part`) ones included."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
