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
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import brotli  # type: ignore[import-untyped]
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from backend.lib.db import PerEngine, before_commit, current_engine
from backend.lib.middleware import BROTLI_QUALITY
from backend.lib.statements import Statement, fetch
from backend.system.counters import CHANGES, next_value

__all__ = [
    "CATALOG_VERSION",
    "EVERYONE",
    "POLL_S",
    "HotCache",
    "Page",
    "announce",
    "brotli_of",
    "cache_of",
    "feed_row",
    "forget_here",
]

log = logging.getLogger("portal.hotcache")

POLL_S = 0.1
STALE_AFTER_S = 1.0
SESSION_CHECK_S = 30.0
"""The poller checks each remembered session against the database this often (hundreds to a
query), whatever the feed said: a revocation the feed missed (a write by hand in SQL, an
older version still running during a deploy) holds within a minute, and requests never wait
for the check."""
SESSION_MAX_AGE_S = 60.0
"""A session not checked for this long (the checks fell behind) is read by the request."""
_CHECK_BATCH = 500
PAGE_MAX_AGE_S = 600.0
CATALOG_MAX_AGE_S = 60.0
"""A service's form or fee, an agency's webhook switch, remembered at most this long: a
change made by hand in SQL (no feed row) is seen within it."""
MAX_SESSIONS = 200_000
SESSIONS_PER_ACCOUNT = 16
MAX_PAGE_BYTES = 64 * 1024 * 1024
"""Per process: about 10 000 citizens' first pages and their brotli copies."""
PAGES_PER_ACCOUNT = 8
"""Query strings remembered per account (first page, `since`, a few cursors)."""
SWEEP_EVERY_S = 60.0
EVERYONE = 0
"""`announce(EVERYONE)`: a change every dashboard shows (a service or agency renamed)."""
COUNTER = CHANGES
_BATCH = 1000

_ADD = "INSERT INTO cache_event (seq, account, at) VALUES ({}, {}, {})"
_CATALOG_CHANGED = (
    "INSERT INTO change_counter (name, value) VALUES ('catalog', {}) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
CATALOG_VERSION = "(SELECT value FROM change_counter WHERE name = 'catalog')"
"""SQL for the catalog's version, for a statement to read beside its rows (for
system.catalog_memory.catalog_as_of): the number of the last `announce(EVERYONE)` (NULL
before the first). One key lookup."""
# The poller's reads are short index reads, run on SQLite on the event loop's own connection:
# on a connection's thread they waited behind the requests' writes and for the GIL of a busy
# loop, past STALE_AFTER_S, and memory was switched off just when it was needed.
_LAST = Statement("SELECT COALESCE(MAX(seq), 0) AS seq FROM cache_event", inline=True)
_NEWER = Statement(
    "SELECT seq, account FROM cache_event WHERE seq > {} ORDER BY seq LIMIT {}", inline=True
)
_CHECK = "SELECT token_hash, revoked_at, last_seen_at FROM session WHERE token_hash IN ({})"
_CHECK_TIMES = ("revoked_at", "last_seen_at")


@dataclass(slots=True)
class Page:
    """A dashboard page as answered: its ETag and JSON body (and that body in brotli, made
    the first time a client asks for it). Without a body when only a 304 was answered: the
    ETag alone answers the next revalidation."""

    etag: str
    body: bytes | None
    brotli: bytes | None = None
    at: float = 0.0

    @property
    def size(self) -> int:
        return len(self.etag) + len(self.body or b"") + len(self.brotli or b"")


class HotCache:
    def __init__(self) -> None:
        self._sessions: dict[str, tuple[float, dict[str, Any]]] = {}
        self._tokens: dict[int, dict[str, None]] = {}
        self._pages: dict[int, dict[str, Page]] = {}
        self._page_bytes = 0
        self.generation = 0
        """Moves on whenever anything is forgotten: a fill that read the database before a
        change was announced must not be kept after it (`keep_*` take the value read before)."""
        self._seen = -1
        self._fresh_until = 0.0
        self._swept_at = 0.0
        self._catalog: dict[Hashable, tuple[float, Any]] = {}
        """What `catalog_memo` read, with when."""
        self.catalog_generation = 0
        """Moves on whenever the catalog's memory is forgotten (`catalog_memo`)."""
        self._as_of: dict[Hashable, tuple[float, int | None, Any]] = {}
        """What `catalog_as_of` read: when, at which catalog version."""

    @property
    def live(self) -> bool:
        return time.monotonic() < self._fresh_until

    @property
    def session_rows(self) -> list[dict[str, Any]]:
        return [row for _, row in self._sessions.values()]

    def session(self, token_hash: str) -> dict[str, Any] | None:
        held = self._sessions.get(token_hash) if self.live else None
        if held is None or time.monotonic() - held[0] > SESSION_MAX_AGE_S:
            return None
        return held[1]

    def page(self, account_id: int, key: str) -> Page | None:
        pages = self._pages.get(account_id) if self.live else None
        page = pages.get(key) if pages else None
        if page is None or time.monotonic() - page.at > PAGE_MAX_AGE_S:
            return None
        return page

    def keep_session(self, token_hash: str, row: dict[str, Any], generation: int) -> None:
        if generation != self.generation or not self.live:
            return
        self._remove(token_hash)  # re-inserted last: the oldest go first
        while len(self._tokens.get(row["account"], ())) >= SESSIONS_PER_ACCOUNT:
            self._remove(next(iter(self._tokens[row["account"]])))
        while len(self._sessions) >= MAX_SESSIONS:
            self._remove(next(iter(self._sessions)))
        self._sessions[token_hash] = (time.monotonic(), row)
        self._tokens.setdefault(row["account"], {})[token_hash] = None

    def keep_page(self, account_id: int, key: str, page: Page, generation: int) -> bool:
        """Remember `page` (read after `generation` was taken); whether it was."""
        if generation != self.generation or not self.live:
            return False
        page.at = time.monotonic()
        pages = self._pages.pop(account_id, {})  # re-inserted last: the oldest go first
        if (old := pages.pop(key, None)) is not None:
            self._page_bytes -= old.size
        if len(pages) >= PAGES_PER_ACCOUNT:
            self._page_bytes -= pages.pop(next(iter(pages))).size
        pages[key] = page
        self._pages[account_id] = pages
        self._page_bytes += page.size
        while self._page_bytes > MAX_PAGE_BYTES and self._pages:
            self._drop_pages(next(iter(self._pages)))
        return True

    def brotli(self, page: Page) -> bytes:
        """A remembered page's body in brotli, made once (and counted in the page budget)."""
        if page.brotli is None:
            assert page.body is not None
            page.brotli = brotli_of(page.body)
            self._page_bytes += len(page.brotli)
        return page.brotli

    def drop_session(self, token_hash: str) -> None:
        self.generation += 1
        self._remove(token_hash)

    def forget(self, account_id: int) -> None:
        if account_id == EVERYONE:
            self._forget_pages()
            self._forget_catalog()
            return
        self.generation += 1
        for token_hash in self._tokens.pop(account_id, {}):
            self._sessions.pop(token_hash, None)
        self._drop_pages(account_id)

    def forget_pages(self, account_id: int) -> None:
        """An application change: the account's pages, not its sessions (which it leaves
        as they were)."""
        self.generation += 1
        self._drop_pages(account_id)

    def clear(self) -> None:
        self.generation += 1
        self._sessions.clear()
        self._tokens.clear()
        self._forget_pages()
        self._forget_catalog()

    def _forget_catalog(self) -> None:
        self.catalog_generation += 1
        self._catalog.clear()
        self._as_of.clear()

    def _forget_pages(self) -> None:
        self.generation += 1
        self._pages.clear()
        self._page_bytes = 0

    def _drop_pages(self, account_id: int) -> None:
        for page in self._pages.pop(account_id, {}).values():
            self._page_bytes -= page.size

    def _remove(self, token_hash: str) -> None:
        held = self._sessions.pop(token_hash, None)
        if held is None:
            return
        account_id = held[1]["account"]
        tokens = self._tokens.get(account_id)
        if tokens is not None:
            tokens.pop(token_hash, None)
            if not tokens:
                del self._tokens[account_id]

    def _sweep(self, now: float) -> None:
        """Let go of what is too old to be answered from any more."""
        self._swept_at = now
        for token_hash, (at, _) in list(self._sessions.items()):
            if now - at > SESSION_MAX_AGE_S:
                self._remove(token_hash)
        for account_id, pages in list(self._pages.items()):
            if all(now - page.at > PAGE_MAX_AGE_S for page in pages.values()):
                self._drop_pages(account_id)

    async def poll(self, engine: Engine[Any]) -> None:
        """Forget the accounts announced since the last poll."""
        started = time.monotonic()
        if self._seen < 0 or not self.live:
            # First poll, or the feed was out of reach long enough that its rows may be gone
            # (housekeeping keeps an hour): start from now, with nothing remembered.
            rows = await fetch(_LAST, engine=engine)
            self.clear()
            self._seen = int(rows[0]["seq"])
        else:
            while True:
                rows = await fetch(_NEWER, self._seen, _BATCH, engine=engine)
                for row in rows:
                    self.forget(row["account"])
                if rows:
                    self._seen = int(rows[-1]["seq"])
                if len(rows) < _BATCH:
                    break
        # Counted from the poll's start: nothing committed before it can be missed.
        self._fresh_until = started + STALE_AFTER_S
        await self._check_sessions(engine, started)
        if started - self._swept_at > SWEEP_EVERY_S:
            self._sweep(started)
            rows = await fetch(_LAST, engine=engine)
            if int(rows[0]["seq"]) < self._seen:
                # The feed went back (a database restored from a backup): its new rows would
                # never be read; start over.
                self._seen = -1

    async def _check_sessions(self, engine: Engine[Any], now: float) -> None:
        """Check the sessions remembered longest ago against the database: revoked or gone,
        forgotten; idle or over, let go; otherwise remembered afresh, with the later of the
        two `last_seen_at` (another process may have seen the citizen since)."""
        due: list[str] = []
        for token_hash, (at, _) in self._sessions.items():  # oldest first
            if now - at < SESSION_CHECK_S or len(due) == _CHECK_BATCH:
                break
            due.append(token_hash)
        if not due:
            return
        check = Statement(
            _CHECK.format(", ".join("{}" for _ in due)),
            inline=True,
            times=_CHECK_TIMES,
        )
        found = {r["token_hash"]: r for r in await fetch(check, *due, engine=engine)}
        wall = dt.datetime.now(dt.UTC)
        for token_hash in due:
            held = self._sessions.get(token_hash)
            if held is None:
                continue  # forgotten while the check ran
            row, checked = held[1], found.get(token_hash)
            if checked is None or checked["revoked_at"] is not None:
                self.drop_session(token_hash)
                continue
            row["last_seen_at"] = max(row["last_seen_at"], checked["last_seen_at"])
            idle = dt.timedelta(seconds=row["idle_timeout_s"])
            if wall < row["expires_at"] and wall - row["last_seen_at"] <= idle:
                del self._sessions[token_hash]  # re-inserted last: checked the latest
                self._sessions[token_hash] = (now, row)
            else:
                self._remove(token_hash)

    async def run(self, engine: Engine[Any]) -> None:
        """Poll until cancelled (a task of the app's lifespan)."""
        failing = False
        while True:
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancel that comes as
                # the poll ends, and this loop would then never stop (a stuck shutdown).
                async with asyncio.timeout(STALE_AFTER_S):
                    await self.poll(engine)
                failing = False
            except Exception as error:
                if not failing:
                    # What went wrong in a line, no stack (an outage is one line in the log).
                    log.warning(
                        "cannot read the cache feed (%s: %s); answering from the database",
                        type(error).__name__,
                        str(error)[:200],
                    )
                failing = True
            await asyncio.sleep(POLL_S)


def brotli_of(body: bytes) -> bytes:
    """A JSON body in brotli, as the app's compression middleware makes it."""
    compressed: bytes = brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    return compressed


_CACHES = PerEngine(HotCache)


def cache_of(engine: Engine[Any]) -> HotCache:
    return _CACHES(engine)


async def announce(account_id: int, seq: int | None = None) -> None:
    """Inside the write transaction that changes the account's sessions or applications
    (`EVERYONE`: the catalog). The feed's row is written last in that transaction, whatever
    follows this call (`before_commit`): taking the feed's counter locks its row until
    commit, which is what orders the feed, so nothing may come after it. A change that has
    already taken its number from the same counter (`seq`, e.g. an application's change
    number, whose lock is held until commit anyway) gives it: the row takes that number."""
    engine = current_engine()
    if engine.current_transaction.get() is None:
        raise RuntimeError("announce() belongs inside the change's transaction")

    async def add() -> None:
        nonlocal seq
        if seq is None:
            seq = await next_value(COUNTER)
        await engine.run_querystring(QueryString(_ADD, seq, account_id, dt.datetime.now(dt.UTC)))
        if account_id == EVERYONE:  # the catalog's version (CATALOG_VERSION)
            await engine.run_querystring(QueryString(_CATALOG_CHANGED, seq))
        cache_of(engine).forget(account_id)

    before_commit(add)


def feed_row(account_id: int, seq: int | QueryString) -> QueryString:
    """`announce` for a change that has taken its number `seq` from the change counter (whose
    row it holds locked until commit): the feed row's INSERT, for the caller to write in the
    transaction with its own last write (counters.next_value_with: one round trip; `seq` is
    then the SQL that reads the number); this process forgets the account's pages before commit,
    as `announce` forgets the account."""
    engine = current_engine()
    if engine.current_transaction.get() is None:
        raise RuntimeError("feed_row() belongs inside the change's transaction")

    async def forget() -> None:
        # Its pages only: the citizen's next request still finds their session here (other
        # processes, reading the feed, forget both).
        cache_of(engine).forget_pages(account_id)

    before_commit(forget)
    return QueryString(_ADD, seq, account_id, dt.datetime.now(dt.UTC))


def forget_here(account_id: int) -> None:
    """After the change's commit: a request of this process that read the account between
    `announce` and the commit may have remembered it as it was."""
    cache_of(current_engine()).forget(account_id)
