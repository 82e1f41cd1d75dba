"""Raw ASGI middleware for every HTTP response: request id, access log, security headers.

Plain ASGI (not Litestar's AbstractMiddleware) because it runs on every request, including the
hot dashboard path, and must cost next to nothing.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable, Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.lib.logging import ACCESS, request_id_var
from backend.lib.metrics import count_request

__all__ = [
    "API_CSP",
    "BROTLI_QUALITY",
    "COMPRESS_FROM",
    "CSP",
    "UNCOMPRESSED",
    "HeaderHook",
    "after_response",
    "envelope_middleware",
    "no_store",
    "on_response_start",
]

UNCOMPRESSED = "uncompressed"
"""Route `opt` key: the compression middleware leaves these responses alone (documents: PDF,
JPEG and PNG are compressed already; re-encoding costs CPU, hides the size from a phone's
progress bar and gains nothing)."""

COMPRESS_FROM = 500
"""Bytes: smaller responses go uncompressed (the app's CompressionConfig, and the dashboard
answered from memory, which must answer as the app would)."""

BROTLI_QUALITY = 5
"""Dynamic responses: 5 compresses JSON nearly as well as 11 at a fraction of the CPU."""

log = logging.getLogger("portal.access")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)
"""No inline style anywhere in the PWA and no inline script but the shell's boot.js, which its
page's policy allows by hash (lib/static.py), so the policy can stay this strict."""

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    "https://unpkg.com; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    "https://unpkg.com https://fonts.googleapis.com; img-src 'self' data: https:; "
    "font-src https://fonts.gstatic.com; frame-ancestors 'none'; object-src 'none'"
)
"""Only the OpenAPI viewer pages under /schema load their viewer from a CDN."""

_CSP_BYTES, _DOCS_CSP_BYTES = CSP.encode(), DOCS_CSP.encode()

_AFTER_RESPONSE = "portal_after_response"
_ON_RESPONSE_START = "portal_on_response_start"

HeaderHook = Callable[[int, list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]]
"""Sees a response's status and headers as it starts; returns the headers to send."""

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

API_CSP = b"default-src 'none'; frame-ancestors 'none'"
"""JSON is never rendered, so a short policy does; the full one costs ~0.5 KB per response,
which on a first visit of ~40 requests is a tenth of the whole budget."""

_ALWAYS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_DOCUMENT: list[tuple[bytes, bytes]] = [
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), geolocation=(), microphone=()"),
]


_SCRIPTS = (b"text/javascript", b"application/javascript")
_WORKERS = frozenset({"/sw.js"})
"""Scripts that run as a worker, whose own response carries the policies the worker runs under."""


def _security_headers(
    status: int, headers: list[tuple[bytes, bytes]], csp: bytes, path: str
) -> list[tuple[bytes, bytes]]:
    """Full policy for what a browser runs as a document or worker (HTML, the service worker),
    a short one for JSON, none that would stop the browser's own viewer for downloaded PDFs
    and images, nor on modules."""
    if status == 304:
        # A 304's headers replace the cached response's: a policy here would overwrite the
        # page's own (a 304 has no content type to choose one by).
        return headers
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    added = list(_ALWAYS)
    if content_type.startswith(_SCRIPTS) and path not in _WORKERS:
        # A module runs under the policies (CSP, referrer) of the page or worker importing
        # it; browsers ignore its own. Without them each of the ~20 modules of a first visit
        # is ~0.5 KB lighter: a fifth of the JavaScript budget.
        return headers + _ALWAYS[:1]
    if content_type.startswith(b"text/html"):
        added += _DOCUMENT
        if not any(k.lower() == b"content-security-policy" for k, _ in headers):
            # A page may name its own (the PWA's shell: its inline script's hash).
            added.append((b"content-security-policy", csp))
    elif path in _WORKERS:
        # A worker runs under its script's CSP and referrer policy; the frame, opener and
        # permissions policies are for documents.
        added.append((b"content-security-policy", csp))
    elif content_type.startswith(b"application/json") or not content_type:
        added.append((b"content-security-policy", API_CSP))
    return headers + added


def envelope_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        # 32 random hex digits, as uuid4().hex gave, at a quarter of its CPU.
        request_id = _incoming_request_id(scope) or os.urandom(16).hex()
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # The path as the router left it (`/sw.js/` is `/sw.js`), as the app saw it.
                path: str = scope["path"]
                csp = _DOCS_CSP_BYTES if path.startswith("/schema") else _CSP_BYTES
                headers = _security_headers(status, list(message.get("headers", [])), csp, path)
                if not any(k == b"cache-control" and b"immutable" in v for k, v in headers):
                    # A response kept for a year would replay one request's id on every use.
                    headers.append((b"x-request-id", request_id.encode()))
                for hook in scope["state"].get(_ON_RESPONSE_START, ()):
                    headers = hook(status, headers)
                message["headers"] = headers
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
            for work in scope["state"].pop(_AFTER_RESPONSE, ()):
                await _quietly(work)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "unrouted"  # never the raw path: IDs
            method = scope.get("method", "-")
            count_request(route, method, status, elapsed)
            ACCESS(method, scope["path"], status, elapsed)
            request_id_var.reset(token)

    return middleware


def after_response(scope: Scope, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` once this request's response has gone out: bookkeeping the client need not
    wait for (under uvicorn the last body bytes are on the wire before it starts; tests, which
    wait for the whole ASGI call, still see it done). A failure is logged, not raised."""
    scope.setdefault("state", {}).setdefault(_AFTER_RESPONSE, []).append(work)


def on_response_start(scope: Scope, hook: HeaderHook) -> None:
    """Let `hook` see this request's response status and change its headers as they go out
    (a kiosk's answers are never stored). Only the requests that add one pay for it."""
    scope.setdefault("state", {}).setdefault(_ON_RESPONSE_START, []).append(hook)


def no_store(code: int, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A HeaderHook: whatever the route said, the browser keeps nothing of this answer (a
    shared kiosk; a delegate's phone with someone else's data)."""
    del code
    kept = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
    return [*kept, (b"cache-control", b"no-store")]


async def _quietly(work: Callable[[], Awaitable[None]]) -> None:
    try:
        await work()
    except Exception:
        log.exception("after-response work failed")


def _incoming_request_id(scope: Scope) -> str | None:
    """Keep a proxy's X-Request-ID so logs join up across hops; ignore anything odd."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None
