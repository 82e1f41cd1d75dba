"""Server-side sessions: a random token in an HttpOnly cookie, its SHA-256 in the database.

Stored in the database so any app process can serve any request (a citizen's row is also
remembered for a while by each process: system.hotcache). Each role has an idle and an
absolute timeout; `last_seen_at` is written at most once every minute or two so a busy
dashboard does not turn every read into a write, and after the response has gone out
(`touch_session`), so the reader never waits for the write's commit; a serving process
writes the touches due together, once a second (`touches_written`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from backend.accounts.tables import Session
from backend.lib.background import in_background
from backend.lib.db import PerEngine, current_engine, write_transaction
from backend.lib.logging import BurstLog
from backend.lib.statements import Statement, fetch
from backend.settings import Settings
from backend.system.hotcache import announce, cache_of, forget_here
from backend.system.registry import ExtensionPoint

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

__all__ = [
    "ANONYMOUS_CSRF",
    "COLUMNS",
    "COOKIE",
    "CSRF_COOKIE",
    "SESSION_KEEPERS",
    "TIMEOUTS",
    "TIMES",
    "SessionInfo",
    "clear_cookies",
    "create_session",
    "hash_token",
    "live_session",
    "load_session",
    "remembered_session",
    "revoke_all",
    "revoke_session",
    "set_cookies",
    "touch_session",
    "touches_written",
]

log = logging.getLogger("portal.sessions")

COOKIE = "portal_session"
CSRF_COOKIE = "portal_csrf"
"""Readable by the page's JS, which echoes it in X-CSRF-Token on every write."""
ANONYMOUS_CSRF = "anon."
"""How the CSRF token of a session with nobody signed in (a ceremony in progress) begins: the
page reads it from the cookie and asks no session check when it opens (pwa/js/session.js);
such a session never becomes a signed-in one (sign-in makes a new session)."""

SESSION_KEEPERS: ExtensionPoint[tuple[str, str]] = ExtensionPoint("accounts.session_keepers")
"""(table, column) of another domain whose rows refer to a session: an ended session such a
row refers to is kept by housekeeping (see accounts.plugin)."""

TIMEOUTS: dict[str, tuple[int, int]] = {
    "": (15 * 60, 60 * 60),  # a ceremony in progress, nobody signed in yet
    "citizen": (60 * 60, 24 * 60 * 60),  # DESIGN.md: 1 h idle / 24 h absolute
    "operator": (15 * 60, 12 * 60 * 60),  # shared kiosk: 15 min idle / 12 h absolute
    "officer": (30 * 60, 12 * 60 * 60),
    "admin": (15 * 60, 12 * 60 * 60),
}
"""(idle, absolute) seconds per role."""

TOUCH_EVERY_S = 60
"""`last_seen_at` is written once it is 1–2 × this old (spread by session, so sessions that
began or were remembered together do not all write in the same second): idle timeouts are
accurate to two minutes."""


COLUMNS = (
    "id", "account", "role", "csrf_token", "expires_at", "idle_timeout_s", "last_seen_at",
    "revoked_at",
)  # fmt: skip
"""What a request reads of its session (`live_session` checks it); also read, with the page,
by the dashboard's one statement (applications.dashboard)."""
TIMES = ("expires_at", "last_seen_at", "revoked_at")
_LOAD = Statement(
    f"SELECT {', '.join(COLUMNS)} FROM session WHERE token_hash = {{}}",  # noqa: S608 (constant)
    inline=True,
    times=TIMES,
)
"""Every request runs this (and now and then `_TOUCH`): plain SQL, as building it with Piccolo
cost more CPU than the lookup itself."""
_TOUCH = Statement("UPDATE session SET last_seen_at = {} WHERE id = {}")

TOUCH_BATCH_S = 1.0
"""How long a serving process gathers touches before writing them in one statement: each
written on its own (a hop to a connection, a commit, on SQLite an fsync, and every other
connection's page cache dropped) cost the dashboard's database path an eighth of its CPU
(scripts/bench_dashboard.py). The idle timeout moves by at most this much."""
_BATCH_SIZES = (1, 4, 16, 64, 256)
"""Statements of these many ids (a batch is cut and padded to them): a few shapes, each
prepared once on PostgreSQL."""
_TOUCH_MANY = {
    n: Statement(f"UPDATE session SET last_seen_at = {{}} WHERE id IN ({', '.join(['{}'] * n)})")  # noqa: S608 (placeholders)
    for n in _BATCH_SIZES
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    account_id: int | None
    role: str
    csrf_token: str
    expires_at: dt.datetime
    idle_timeout_s: int
    last_seen_at: dt.datetime
    touch_due: bool = False
    """`last_seen_at` moved on and is not yet written: the caller runs `touch_session`."""


async def create_session(
    request: Request[Any, Any, Any],
    *,
    account_id: int | None,
    role: str,
    passkey_id: int | None = None,
) -> tuple[str, SessionInfo]:
    """A new session (signed in with `passkey_id`); returns the cookie token (shown once,
    stored hashed)."""
    token = secrets.token_urlsafe(32)
    idle, absolute = TIMEOUTS[role]
    now = _now()
    row = Session(
        token_hash=hash_token(token),
        account=account_id,
        role=role,
        csrf_token=(ANONYMOUS_CSRF if account_id is None else "") + secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(seconds=absolute),
        idle_timeout_s=idle,
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", "")[:200],
        passkey=passkey_id,
    )
    await row.save()
    return token, SessionInfo(
        id=row.id,
        account_id=account_id,
        role=role,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
        idle_timeout_s=idle,
        last_seen_at=now,
    )


async def load_session(token: str | None) -> SessionInfo | None:
    """The live session for a cookie token, or None (unknown, revoked, idle or expired)."""
    if not token:
        return None
    token_hash = hash_token(token)
    now = _now()
    remembered = remembered_session(token_hash, now)
    if remembered is not None:
        return remembered
    generation = cache_of(current_engine()).generation
    rows = await fetch(_LOAD, token_hash)
    return live_session(token_hash, dict(rows[0]), generation, now) if rows else None


def live_session(
    token_hash: str, row: dict[str, Any], generation: int, now: dt.datetime
) -> SessionInfo | None:
    """The session of a row read (`COLUMNS`) when it is live (not revoked, idle or expired),
    else None; a citizen's is remembered by this process unless a change was announced since
    `generation` was read, before the row (system.hotcache)."""
    if row["revoked_at"] is not None or not _live(row, now):
        return None
    if row["role"] == "citizen":
        cache_of(current_engine()).keep_session(token_hash, row, generation)
    return _info(row, now)


def remembered_session(token_hash: str, now: dt.datetime) -> SessionInfo | None:
    """A citizen's session from this process's memory (system.hotcache), or None: not there,
    or it looks idle or over, when the caller reads the database (another process may have
    seen the citizen since)."""
    cache = cache_of(current_engine())
    row = cache.session(token_hash)
    if row is None:
        return None
    if not _live(row, now):
        cache.drop_session(token_hash)
        return None
    return _info(row, now)


def _info(row: dict[str, Any], now: dt.datetime) -> SessionInfo:
    last_seen: dt.datetime = row["last_seen_at"]
    touch = (now - last_seen).total_seconds() >= TOUCH_EVERY_S * (1 + row["id"] % 60 / 60)
    if touch:
        row["last_seen_at"] = now  # what `touch_session` writes; a remembered row knows it
    return SessionInfo(
        id=row["id"],
        account_id=row["account"],
        role=row["role"],
        csrf_token=row["csrf_token"],
        expires_at=row["expires_at"],
        idle_timeout_s=row["idle_timeout_s"],
        last_seen_at=now if touch else last_seen,
        touch_due=touch,
    )


def _live(row: dict[str, Any], now: dt.datetime) -> bool:
    idle = dt.timedelta(seconds=row["idle_timeout_s"])
    return bool(now < row["expires_at"] and now - row["last_seen_at"] <= idle)


async def touch_session(session: SessionInfo) -> None:
    """Record the activity `load_session` saw (`touch_due`): the idle timeout restarts. In a
    serving process (`touches_written`) it joins the next batch; otherwise it is written now."""
    touches = _touches_of(current_engine())
    if touches.wake is None:
        await fetch(_TOUCH, session.last_seen_at, session.id)
        return
    touches.keep(session.id, session.last_seen_at)
    touches.wake.set()


class _Touches:
    """A process's touches not yet written, by session id; `wake` is set while a writer runs."""

    __slots__ = ("due", "wake")

    def __init__(self) -> None:
        self.due: dict[int, dt.datetime] = {}
        self.wake: asyncio.Event | None = None

    def keep(self, session_id: int, seen: dt.datetime) -> None:
        """Due to be written: the latest of `seen` and what was due for the session."""
        due = self.due.get(session_id)
        self.due[session_id] = seen if due is None else max(due, seen)


_touches_of = PerEngine(_Touches)


@asynccontextmanager
async def touches_written(engine: Engine[Any]) -> AsyncIterator[None]:
    """While a process serves (a registry companion): the touches due are written together,
    at most every TOUCH_BATCH_S, and those left when it stops before its pool closes."""
    touches = _touches_of(engine)
    touches.wake = asyncio.Event()
    try:
        async with in_background(_write_batches(engine, touches)):
            yield
    finally:
        touches.wake = None
        try:
            await _write(engine, touches)
        except Exception as error:  # the stop goes on: an idle timeout may come early
            log.warning("%d sessions' activity not written at the stop (%s)", len(touches.due),
                        type(error).__name__)  # fmt: skip


async def _write_batches(engine: Engine[Any], touches: _Touches) -> None:
    while True:
        assert touches.wake is not None
        await touches.wake.wait()
        await asyncio.sleep(TOUCH_BATCH_S)
        touches.wake.clear()
        try:
            await _write(engine, touches)
        except Exception as error:  # the database away: they stay due, for the next round
            _UNWRITTEN.failure(type(error).__name__)
            touches.wake.set()
        else:
            _UNWRITTEN.success()


_UNWRITTEN = BurstLog(log, "cannot write sessions' activity")
"""One line for an outage, not one a second."""


async def _write(engine: Engine[Any], touches: _Touches) -> None:
    """Each batch with its latest time: a session seen earlier in it is counted as seen up
    to TOUCH_BATCH_S later. What fails to be written stays due."""
    due, touches.due = touches.due, {}
    ids = sorted(due)
    try:
        while ids:
            size = next((n for n in _BATCH_SIZES if n >= len(ids)), _BATCH_SIZES[-1])
            chunk, ids = ids[:size], ids[size:]
            seen = max(due[i] for i in chunk)
            padded = chunk + chunk[:1] * (size - len(chunk))
            await fetch(_TOUCH_MANY[size], seen, *padded, engine=engine)
            for i in chunk:
                del due[i]
    finally:
        for session_id, seen in due.items():  # not written: kept, merged with newer ones
            touches.keep(session_id, seen)


async def revoke_session(session_id: int) -> None:
    async with write_transaction():
        rows = (
            await Session.update({Session.revoked_at: _now()})
            .where((Session.id == session_id) & Session.revoked_at.is_null())
            .returning(Session.account)
        )
        account_id = rows[0]["account"] if rows else None
        if account_id is not None:
            await announce(account_id)
    if account_id is not None:
        forget_here(account_id)


async def revoke_all(account_id: int) -> int:
    """End every session of an account (sign out on all devices); returns how many."""
    async with write_transaction():
        rows = (
            await Session.update({Session.revoked_at: _now()})
            .where((Session.account == account_id) & Session.revoked_at.is_null())
            .returning(Session.id)
        )
        await announce(account_id)
    forget_here(account_id)
    return len(rows)


def set_cookies(response: Response[Any], token: str, info: SessionInfo, settings: Settings) -> None:
    max_age = int((info.expires_at - _now()).total_seconds())
    secure = settings.secure_cookies
    response.set_cookie(
        Cookie(
            key=COOKIE,
            value=token,
            max_age=max_age,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
    )
    response.set_cookie(
        Cookie(
            key=CSRF_COOKIE,
            value=info.csrf_token,
            max_age=max_age,
            httponly=False,
            secure=secure,
            samesite="strict",
            path="/",
        )
    )


def clear_cookies(response: Response[Any], settings: Settings) -> None:
    for key, httponly in ((COOKIE, True), (CSRF_COOKIE, False)):
        response.set_cookie(
            Cookie(
                key=key,
                value="",
                max_age=0,
                httponly=httponly,
                secure=settings.secure_cookies,
                samesite="lax",
                path="/",
            )
        )
