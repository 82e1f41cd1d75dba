"""The dashboard answered from this process's memory, before routing.

A phone polls its dashboard far more often than it changes. When the session and the page
asked for are both remembered (system.hotcache, filled by applications.dashboard with the exact
bytes it answered), this ASGI middleware answers at once with that module's answer (same
status, body, ETag and headers) but none of the routing, dependency and serialisation work,
and no database. Anything else
(not remembered, a kiosk device, a coding other than brotli or none) goes on to the app.
"""

from __future__ import annotations

import datetime as dt

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from backend.accounts.auth import with_context_cookie
from backend.accounts.sessions import COOKIE, hash_token, remembered_session, touch_session
from backend.applications.dashboard import PATH, from_memory, page_key
from backend.lib.db import current_engine
from backend.lib.metrics import metrics
from backend.lib.middleware import COMPRESS_FROM, after_response
from backend.system.hotcache import cache_of

__all__ = ["dashboard_from_memory"]

_SESSION = COOKIE.encode()


def dashboard_from_memory(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        hot = scope["type"] == ScopeType.HTTP and scope["path"] == PATH
        if hot and scope.get("method") == "GET":
            answered = await _answer(scope, send)
            metrics().hot_cache.labels("hit" if answered else "miss").inc()
            if answered:
                return
        await app(scope, receive, send)

    return middleware


async def _answer(scope: Scope, send: Send) -> bool:
    cookies: list[bytes] = []
    if_none_match = accept_encoding = b""
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.append(value)
        elif name == b"if-none-match":
            if_none_match = value
        elif name == b"accept-encoding":
            accept_encoding = value
    token = _session_token(b";".join(cookies))
    if token is None:
        return False
    session = remembered_session(hash_token(token), dt.datetime.now(dt.UTC))
    if session is None or session.account_id is None:
        return False
    cache = cache_of(current_engine())
    key = page_key(scope["query_string"])
    found = from_memory(cache, session.account_id, key, if_none_match.decode("latin-1"))
    if found is None:
        return False
    headers = found.headers()
    body = found.body or b""
    if found.body is not None:
        headers["Content-Type"] = "application/json"
        if len(body) >= COMPRESS_FROM and accept_encoding:
            if b"br" not in accept_encoding:
                return False  # gzip or another coding: the app's middleware does it
            assert found.remembered is not None
            body = cache.brotli(found.remembered)
            headers["Content-Encoding"] = "br"
            headers["Vary"] += ",Accept-Encoding"  # as the compression middleware joins it
        headers["Content-Length"] = str(len(body))
    if session.touch_due:
        after_response(scope, lambda: touch_session(session))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": found.status,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await send(start)
    done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(done)
    return True


def _session_token(cookie: bytes) -> str | None:
    """The session cookie's value; None without one, or on a device whose requests carry a
    context of their own (a kiosk's: accounts.REQUEST_CONTEXTS), never answered from memory."""
    token = None
    names = []
    for part in cookie.split(b";"):
        name, _, value = part.strip().partition(b"=")
        names.append(name.decode("latin-1"))
        if name == _SESSION:
            token = value.decode("latin-1")
    if with_context_cookie(names):
        return None
    return token or None
