"""The citizen's dashboard answer, built in one place for both ways it is asked: by the
controller (`answer`) and, before routing, from this process's memory (`from_memory`, used by
applications.fastpath). Both give the same status, body, ETag and headers; the fast path
compresses as the app's CompressionConfig would (lib.middleware.COMPRESS_FROM)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import msgspec

from backend.applications.services import dashboard, dashboard_version
from backend.system.hotcache import HotCache, Page

__all__ = ["PATH", "Answer", "answer", "from_memory", "page_key"]

PATH = "/api/v1/dashboard"


@dataclass(frozen=True, slots=True)
class Answer:
    """200 with the JSON body, or 304 (body None) when the client's ETag is current."""

    etag: str
    body: bytes | None
    remembered: Page | None = None
    """The page in memory it came from (which keeps its compressed copy)."""

    @property
    def status(self) -> int:
        return 304 if self.body is None else 200

    def headers(self) -> dict[str, str]:
        return {"ETag": self.etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}


def page_key(query_string: bytes) -> str:
    """Pages are remembered by their query string as sent: the same bytes ask the same."""
    return query_string.decode("latin-1")


def from_memory(cache: HotCache, account_id: int, key: str, if_none_match: str) -> Answer | None:
    """The answer from what this process remembers of the page; None to read it."""
    known = cache.page(account_id, key)
    if known is None:
        return None
    if if_none_match == known.etag:
        return Answer(known.etag, None, known)
    if known.body is None:
        return None  # only its ETag is known
    return Answer(known.etag, known.body, known)


async def answer(
    account_id: int,
    key: str,
    if_none_match: str,
    cache: HotCache | None,
    *,
    limit: int,
    cursor: int | None,
    since: int | None,
    only: frozenset[str] | None = None,
) -> Answer:
    """The page, from memory when `cache` is given and remembers it, else from the database
    (then remembered). Without a cache (an operator's reads, each audited) nothing is kept.
    `only`: the services a delegate may see (their pages are never remembered): the others'
    applications are left out of the page, which may then be shorter than `limit`."""
    if only is not None:
        cache = None
    if cache is not None and (hit := from_memory(cache, account_id, key, if_none_match)):
        return hit
    generation = cache.generation if cache else 0  # a change meanwhile: not kept
    page = f"{limit}.{cursor or 0}.{since if since is not None else '-'}"
    if only is not None:
        page += "." + hashlib.sha256(" ".join(sorted(only)).encode()).hexdigest()[:12]
    if if_none_match:
        # Revalidation, the usual case: one index-only lookup answers "unchanged".
        etag = _etag(*await dashboard_version(account_id), page)
        if if_none_match == etag:
            if cache:  # the next revalidation is answered from memory
                cache.keep_page(account_id, key, Page(etag, None), generation)
            return Answer(etag, None)
    body, (seq, count) = await dashboard(account_id, limit=limit, cursor=cursor, since=since)
    if only is not None:
        body.items = [item for item in body.items if item.service.slug in only]
    etag = _etag(seq, count, page)
    encoded = msgspec.json.encode(body)
    if cache:
        cache.keep_page(account_id, key, Page(etag, encoded), generation)
    return Answer(etag, encoded)


def _etag(seq: int, count: int, page: str) -> str:
    return f'W/"d{seq}.{count}.{page}"'
