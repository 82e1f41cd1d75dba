"""Each app process's memory of the hottest reads: citizens' sessions and dashboard pages, so
that a phone polling an unchanged dashboard costs no database work at all.

Kept true across processes by a change feed. Every write that changes an account's sessions
or applications calls `announce(account)` inside its transaction: a `cache_event` row, numbered
by a locked counter so rows become visible in commit order. Every process reads the new rows
each `POLL_S` (`run`) and forgets those accounts; the process that wrote forgets at once. So
another process may answer from memory for at most `POLL_S` after a change commits (a sign-out
everywhere, a new status). If the feed cannot be read for `STALE_AFTER_S`, nothing is answered
from memory, and memory starts empty when the feed is back.

Only what a cache miss would have read and checked is kept: the session row (its timeouts are
checked on every use; a row that looks idle is read again, as another process may have seen
the citizen since) and the exact bytes a dashboard page was answered with, under its ETag.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.sequence import next_value

__all__ = ["POLL_S", "HotCache", "Page", "announce", "cache_of"]

log = logging.getLogger("portal.hotcache")

POLL_S = 0.1
STALE_AFTER_S = 1.0
MAX_ACCOUNTS = 100_000
"""Per kind; when full, memory starts over (cheaper than tracking recency on every hit)."""
PAGES_PER_ACCOUNT = 8
"""Query strings remembered per account (first page, `since`, a few cursors)."""
COUNTER = "cache_events"
_BATCH = 1000

_ADD = "INSERT INTO cache_event (seq, account, at) VALUES ({}, {}, {})"
_LAST = "SELECT COALESCE(MAX(seq), 0) AS seq FROM cache_event"
_NEWER = "SELECT seq, account FROM cache_event WHERE seq > {} ORDER BY seq LIMIT {}"


@dataclass(slots=True)
class Page:
    """A dashboard page as answered: its ETag and JSON body (and that body in brotli, made
    the first time a client asks for it)."""

    etag: str
    body: bytes
    brotli: bytes | None = None


class HotCache:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self._tokens: dict[int, set[str]] = {}
        self._pages: dict[int, dict[str, Page]] = {}
        self.generation = 0
        """Moves on whenever anything is forgotten: a fill that read the database before a
        change was announced must not be kept after it (`keep_*` take the value read before)."""
        self._seen = -1
        self._fresh_until = 0.0

    @property
    def live(self) -> bool:
        return time.monotonic() < self._fresh_until

    def session(self, token_hash: str) -> dict[str, Any] | None:
        return self.sessions.get(token_hash) if self.live else None

    def page(self, account_id: int, key: str) -> Page | None:
        if not self.live:
            return None
        pages = self._pages.get(account_id)
        return pages.get(key) if pages else None

    def keep_session(self, token_hash: str, row: dict[str, Any], generation: int) -> None:
        if generation != self.generation or not self.live:
            return
        if len(self._tokens) >= MAX_ACCOUNTS:
            self.clear()
            return
        self.sessions[token_hash] = row
        self._tokens.setdefault(row["account"], set()).add(token_hash)

    def keep_page(self, account_id: int, key: str, page: Page, generation: int) -> None:
        if generation != self.generation or not self.live:
            return
        if len(self._pages) >= MAX_ACCOUNTS:
            self.clear()
            return
        pages = self._pages.setdefault(account_id, {})
        if len(pages) >= PAGES_PER_ACCOUNT:
            del pages[next(iter(pages))]  # the oldest: a client walking through pages
        pages[key] = page

    def drop_session(self, token_hash: str) -> None:
        self.generation += 1
        self.sessions.pop(token_hash, None)

    def forget(self, account_id: int) -> None:
        self.generation += 1
        for token_hash in self._tokens.pop(account_id, ()):
            self.sessions.pop(token_hash, None)
        self._pages.pop(account_id, None)

    def clear(self) -> None:
        self.generation += 1
        self.sessions.clear()
        self._tokens.clear()
        self._pages.clear()

    async def poll(self, engine: Engine[Any]) -> None:
        """Forget the accounts announced since the last poll."""
        if self._seen < 0 or not self.live:
            # First poll, or the feed was out of reach long enough that its rows may be gone
            # (housekeeping keeps an hour): start from now, with nothing remembered.
            rows = await engine.run_querystring(QueryString(_LAST))
            self.clear()
            self._seen = int(rows[0]["seq"])
        else:
            while True:
                rows = await engine.run_querystring(QueryString(_NEWER, self._seen, _BATCH))
                for row in rows:
                    self.forget(row["account"])
                if rows:
                    self._seen = int(rows[-1]["seq"])
                if len(rows) < _BATCH:
                    break
        self._fresh_until = time.monotonic() + STALE_AFTER_S

    async def run(self, engine: Engine[Any]) -> None:
        """Poll until cancelled (a task of the app's lifespan)."""
        failing = False
        while True:
            try:
                await self.poll(engine)
                failing = False
            except Exception:
                if not failing:
                    log.warning("cannot read the cache feed; answering from the database")
                failing = True
            await asyncio.sleep(POLL_S)


_CACHES: dict[int, tuple[Engine[Any], HotCache]] = {}
"""By engine (held, so its id is not reused): one per process, but tests run several."""


def cache_of(engine: Engine[Any]) -> HotCache:
    held = _CACHES.get(id(engine))
    if held is None:
        held = _CACHES[id(engine)] = (engine, HotCache())
    return held[1]


async def announce(account_id: int) -> None:
    """Inside the write transaction that changes the account's sessions or applications, and
    last in it (the feed's counter row stays locked until commit), after any other counter."""
    engine = current_engine()
    seq = await next_value(COUNTER)
    now = dt.datetime.now(dt.UTC)
    await engine.run_querystring(QueryString(_ADD, seq, account_id, now))
    cache_of(engine).forget(account_id)
