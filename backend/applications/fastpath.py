"""The citizen's dashboard answered before routing, the handler's dependencies and guards.

A phone polls its dashboard far more often than it changes. When the session and the page
asked for are both remembered (system.hotcache, filled by applications.dashboard with the exact
bytes it answered), this ASGI middleware, in front of the app's router, answers at once with
that module's answer (same status, body, ETag and headers) but none of the routing, dependency
and serialisation work, and no database. When they are not (a citizen's first request after a
change, another process's citizen, HOT_CACHE=false), the session and the page are read in one
statement (`dashboard.signed_in`), which is all the controller would check and read for a
citizen's own request. Anything else (no live citizen's session, a kiosk or a delegate's
device, another form of query string, a coding other than brotli or none) goes on to the app,
which answers or refuses as usual.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

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
from backend.applications.dashboard import PATH, Answer, from_memory, page_key, signed_in
from backend.lib.db import current_engine
from backend.lib.errors import DB_UNREACHABLE
from backend.lib.logging import BurstLog
from backend.lib.metrics import metrics
from backend.lib.middleware import COMPRESS_FROM, after_response
from backend.system.hotcache import brotli_of, cache_of

__all__ = ["dashboard_from_memory"]

_FAILED = BurstLog(
    logging.getLogger("portal.dashboard"), "dashboard fast path failed, the app answers"
)

_SESSION = COOKIE.encode()
_FIXED = {k.lower().encode(): v.encode() for k, v in Answer("", None).headers().items()}
"""Answer.headers() but its ETag, as they go out: made once, not per request."""
_CACHE_CONTROL, _VARY = (b"cache-control", _FIXED[b"cache-control"]), (b"vary", _FIXED[b"vary"])
_VARY_COMPRESSED = (b"vary", _FIXED[b"vary"] + b",Accept-Encoding")
_JSON = (b"content-type", b"application/json")


def dashboard_from_memory(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        hot = scope["type"] == ScopeType.HTTP and scope["path"] == PATH
        if hot and scope.get("method") == "GET":
            try:
                prepared = await _answer(scope)
            except Exception as error:
                # In front of the router, outside the app's exception handlers: what fails
                # here (before a byte went out) is the app's to answer (a 503, a JSON 500, as
                # for any request), never an error leaving the app.
                _FAILED.failure(repr(error))
                prepared = None
            _hot_cache("hit" if prepared and prepared[0] == "memory" else "miss").inc()
            if prepared:
                _, start, body = prepared
                await send(start)
                done: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": body,
                    "more_body": False,
                }
                await send(done)
                scope["path_template"] = PATH  # as the router would have named it
                return
        await app(scope, receive, send)

    return middleware


async def _answer(scope: Scope) -> tuple[str, HTTPResponseStartEvent, bytes] | None:
    """The answer, to send: where it came from ("memory", "database"), its start and its
    body; or None: not, the app will."""
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
        return None
    token_hash, now = hash_token(token), dt.datetime.now(dt.UTC)
    wanted = if_none_match.decode("latin-1")
    cache = cache_of(current_engine())
    query_string: bytes = scope["query_string"]
    session = remembered_session(token_hash, now)
    found = None
    if session is not None and session.account_id is not None:
        found = from_memory(cache, session.account_id, page_key(query_string), wanted)
    if session is not None and found is not None:
        answered = "memory"
    else:
        if _gzip_only(accept_encoding):
            return None  # the app's middleware does it
        try:
            read = await signed_in(token_hash, query_string, wanted, cache, now)
        except DB_UNREACHABLE:
            return None  # the app's handlers answer that (503)
        if read is None:
            return None
        (session, found), answered = read, "database"
    # Answer.headers() and the rest, in the order and form the app sends them.
    headers = [(b"etag", found.etag.encode()), _CACHE_CONTROL]
    body = found.body or b""
    if found.body is None:
        headers.append(_VARY)
    elif len(body) >= COMPRESS_FROM and _gzip_only(accept_encoding):
        return None  # the app's middleware does it (the page stays remembered)
    elif len(body) >= COMPRESS_FROM and b"br" in accept_encoding:
        remembered = found.remembered
        body = cache.brotli(remembered) if remembered else brotli_of(body)
        # Vary as the compression middleware joins it.
        headers += [_VARY_COMPRESSED, _JSON, (b"content-encoding", b"br")]
    else:
        headers += [_VARY, _JSON]
    if found.body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
    if session.touch_due:
        after_response(scope, lambda: touch_session(session))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": found.status,
        "headers": headers,
    }
    return answered, start, body


@functools.cache
def _hot_cache(outcome: str) -> Any:
    """The counter's child for `outcome`, looked up once (every dashboard request counts)."""
    return metrics().hot_cache.labels(outcome)


def _gzip_only(accept_encoding: bytes) -> bool:
    """The app's compression middleware would answer in gzip (it looks for "br", then "gzip",
    in the header as sent)."""
    return b"br" not in accept_encoding and b"gzip" in accept_encoding


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
