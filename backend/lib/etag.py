"""ETags for JSON GETs, so an unchanged answer revalidates as a bodiless `304`.

`ETagResponse` is the app's default response class: every handler that returns data (a Struct,
a list…) is rendered through it. A `200` answer to a GET with a JSON body gets a weak ETag (a
hash of the uncompressed JSON, so the brotli and gzip copies share it); when the request's
`If-None-Match` names that tag the answer becomes an empty `304` before the compression
middleware sees it. A phone revalidating an unchanged catalog or dashboard then pays a few
hundred bytes of headers instead of the whole list. Handlers that build their own `Response`
can call `add_etag(request, asgi_response)` themselves.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from litestar import Response

if TYPE_CHECKING:
    from litestar import Litestar, Request
    from litestar.response.base import ASGIResponse

__all__ = ["ETagResponse", "add_etag", "etag_matches", "weak_etag"]

_REVALIDATABLE = frozenset({"GET", "HEAD"})
_DROP_ON_304 = ("content-type", "content-length")


def weak_etag(body: bytes) -> str:
    """A weak validator: equal JSON, equal tag, whatever the content coding on the wire."""
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/").strip('"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """The weak comparison RFC 9110 §13.1.2 prescribes for If-None-Match (`*` matches all)."""
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    return any(
        token.strip() == "*" or _opaque(token) == wanted for token in if_none_match.split(",")
    )


def add_etag(request: Request[Any, Any, Any], response: ASGIResponse) -> ASGIResponse:
    """Tag a 200 JSON answer to a GET; turn it into an empty 304 when the client has it."""
    if (
        response.status_code != 200
        or request.method not in _REVALIDATABLE
        or "etag" in response.headers
        or not response.headers.get("content-type", "").startswith("application/json")
    ):
        return response
    tag = weak_etag(response.body)
    response.headers["etag"] = tag
    if etag_matches(request.headers.get("if-none-match"), tag):
        response.status_code = 304
        response.body = b""
        for name in _DROP_ON_304:
            if name in response.headers:
                del response.headers[name]
    return response


class ETagResponse(Response[Any]):
    """The default response class (`create_app(response_class=…)`): see the module docstring."""

    def to_asgi_response(
        self, app: Litestar | None, request: Request[Any, Any, Any], **kwargs: Any
    ) -> ASGIResponse:
        return add_etag(request, super().to_asgi_response(app, request, **kwargs))
