"""The citizen's dashboard answer, built in one place for the three ways it is asked: by the
controller (`answer`) and, before routing (applications.fastpath), from this process's memory
(`from_memory`) or with its session in one statement (`signed_in`). All give the same status,
body, ETag and headers; the fast path compresses as the app's CompressionConfig would
(lib.middleware.COMPRESS_FROM)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import msgspec

from backend.accounts.sessions import SessionInfo, live_session
from backend.applications.services import (
    MAX_DASHBOARD_PAGE,
    dashboard,
    dashboard_version,
    signed_in_dashboard,
)
from backend.system.hotcache import HotCache, Page

__all__ = ["PATH", "Answer", "answer", "asked", "from_memory", "page_key", "signed_in"]

PATH = "/api/v1/dashboard"
DEFAULT_LIMIT = 20
"""The controller's default `limit`."""
_encode = msgspec.json.Encoder().encode


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
    page = _page(limit, cursor, since)
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
    encoded = _encode(body)
    if cache:
        cache.keep_page(account_id, key, Page(etag, encoded), generation)
    return Answer(etag, encoded)


async def signed_in(
    token_hash: str, query_string: bytes, if_none_match: str, cache: HotCache, now: dt.datetime
) -> tuple[SessionInfo, Answer] | None:
    """The answer to a citizen's own request for a page (`asked`) with the session whose
    token has this hash, both read in one statement, then remembered as `answer` would.
    None: a request the controller must answer (another form of query string) or refuse (no
    live citizen's session); nothing is sent then."""
    wanted = asked(query_string)
    if wanted is None:
        return None
    limit, cursor, since = wanted
    page = _page(limit, cursor, since)
    generation = cache.generation  # a change meanwhile: not kept
    read = await signed_in_dashboard(
        token_hash, limit=limit, cursor=cursor, since=since, known=_known(if_none_match, page)
    )
    if read is None:
        return None
    row, version, body = read
    session = live_session(token_hash, row, generation, now)
    # The controller's guard: a citizen, signed in (staff go to it, and are refused there).
    if session is None or session.role != "citizen" or session.account_id is None:
        return None
    etag, key = _etag(*version, page), page_key(query_string)
    if body is None:
        cache.keep_page(session.account_id, key, Page(etag, None), generation)
        return session, Answer(etag, None)
    encoded = _encode(body)
    kept = Page(etag, encoded)
    remembered = cache.keep_page(session.account_id, key, kept, generation)
    return session, Answer(etag, encoded, kept if remembered else None)


def asked(query_string: bytes) -> tuple[int, int | None, int | None] | None:
    """(limit, cursor, since) of a query string in the plain form the PWA sends (`limit=20`,
    `since=41`, …: each at most once, canonical digits, within the controller's bounds), or
    None for any other form, which the controller parses (and perhaps refuses) itself."""
    found: dict[bytes, int] = {}
    for part in query_string.split(b"&") if query_string else ():
        name, _, value = part.partition(b"=")
        if name not in _BOUNDS or name in found or not _canonical(value):
            return None
        number = int(value)
        if number < _BOUNDS[name]:
            return None
        found[name] = number
    limit = found.get(b"limit", DEFAULT_LIMIT)
    cursor, since = found.get(b"cursor"), found.get(b"since")
    if limit > MAX_DASHBOARD_PAGE or (cursor is not None and since is not None):
        return None
    return limit, cursor, since


_BOUNDS = {b"limit": 1, b"cursor": 1, b"since": 0}
"""The controller's lower bounds (`limit` also has MAX_DASHBOARD_PAGE)."""


def _canonical(digits: bytes | str) -> bool:
    """Plain decimal, no sign or leading zero, within a BIGINT (a larger one is the
    controller's to refuse)."""
    return (
        0 < len(digits) <= 18
        and digits.isdigit()
        and digits.isascii()
        and (len(digits) == 1 or digits[:1] not in (b"0", "0"))
    )


def _known(if_none_match: str, page: str) -> tuple[int, int] | None:
    """The version a client's `If-None-Match` names for this page (an ETag `_etag` made), or
    None: then the page is read whatever the version."""
    head, tail = 'W/"d', f'.{page}"'
    if not (if_none_match.startswith(head) and if_none_match.endswith(tail)):
        return None
    seq, dot, count = if_none_match[len(head) : -len(tail)].partition(".")
    if not (dot and _canonical(seq) and _canonical(count)):
        return None
    return int(seq), int(count)


def _page(limit: int, cursor: int | None, since: int | None) -> str:
    return f"{limit}.{cursor or 0}.{since if since is not None else '-'}"


def _etag(seq: int, count: int, page: str) -> str:
    return f'W/"d{seq}.{count}.{page}"'
