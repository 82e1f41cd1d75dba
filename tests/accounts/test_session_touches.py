"""A serving process writes its sessions' activity (`last_seen_at`, which restarts the idle
timeout) in batches, once a second, and what is left when it stops before its pool closes
(accounts.sessions.touches_written); without one running, each touch is written at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from typing import Any

import msgspec
import pytest

from backend.accounts import sessions
from backend.accounts.sessions import SessionInfo, touch_session, touches_written
from backend.accounts.tables import Session
from backend.asgi import create_app
from backend.lib.db import current_engine, make_engine
from backend.lib.statements import fetch
from backend.settings import Settings
from tests.support.client import PortalClient
from tests.support.flows import ORIGIN, enrol_citizen
from tests.support.notifications import eventually

pytestmark = pytest.mark.usefixtures("db")

OLD = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def _sessions(n: int) -> list[SessionInfo]:
    """`n` sessions with nobody signed in, last seen long ago (as SessionInfo, touch due)."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        Session(
            token_hash=secrets.token_hex(32),
            account=None,
            role="",
            csrf_token="anon.x",
            created_at=OLD,
            last_seen_at=OLD,
            expires_at=now + dt.timedelta(hours=1),
            idle_timeout_s=900,
            ip="",
            user_agent="test",
        )
        for _ in range(n)
    ]
    await Session.insert(*rows)
    ids = [r["id"] for r in await Session.select(Session.id).order_by(Session.id)]
    return [SessionInfo(i, None, "", "anon.x", now, 900, OLD, touch_due=True) for i in ids]


async def _seen() -> dict[int, dt.datetime]:
    rows = await Session.select(Session.id, Session.last_seen_at)
    return {r["id"]: r["last_seen_at"] for r in rows}


async def _written(*ids: int) -> bool:
    seen = await _seen()
    return all(seen[i] != OLD for i in ids)


async def _true(value: bool) -> bool:
    return value


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(sessions, "TOUCH_BATCH_S", 0.05)
    return 0.05


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The touch statements run, by their SQL."""
    seen: list[str] = []

    async def counted(statement: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(statement.template)
        return await fetch(statement, *args, **kwargs)

    monkeypatch.setattr("backend.accounts.sessions.fetch", counted)
    return seen


async def test_without_a_writer_each_touch_is_written_at_once(statements: list[str]) -> None:
    (session,) = await _sessions(1)
    now = dt.datetime.now(dt.UTC)
    await touch_session(dataclasses.replace(session, last_seen_at=now))
    assert (await _seen())[session.id] == now
    assert len(statements) == 1


@pytest.mark.usefixtures("quick")
async def test_touches_are_written_together_within_the_batch_time(
    statements: list[str],
) -> None:
    """Three sessions touched in the same second: nothing written at once, then one
    statement writes all three, each with the batch's latest time."""
    engine = current_engine()
    first, second, third = await _sessions(3)
    earlier = dt.datetime.now(dt.UTC)
    later = earlier + dt.timedelta(milliseconds=20)
    async with touches_written(engine):
        await touch_session(dataclasses.replace(first, last_seen_at=earlier))
        await touch_session(dataclasses.replace(second, last_seen_at=later))
        await touch_session(dataclasses.replace(third, last_seen_at=earlier))
        await touch_session(dataclasses.replace(first, last_seen_at=earlier))  # again: once
        assert set((await _seen()).values()) == {OLD}
        assert statements == []
        await eventually(lambda: _written(first.id), 5)
        assert await _seen() == {first.id: later, second.id: later, third.id: later}
        assert len(statements) == 1
        assert statements[0].startswith("UPDATE session SET last_seen_at")


@pytest.mark.usefixtures("quick")
async def test_a_large_batch_is_written_in_a_few_statement_shapes(
    statements: list[str],
) -> None:
    """300 sessions: one statement of 256 ids and one of 64 (padded), all written."""
    engine = current_engine()
    touched = await _sessions(300)
    now = dt.datetime.now(dt.UTC)
    async with touches_written(engine):
        for session in touched:
            await touch_session(dataclasses.replace(session, last_seen_at=now))
    assert set((await _seen()).values()) == {now}
    assert sorted(statement.count("{}") - 1 for statement in statements) == [64, 256]


async def test_touches_left_at_a_stop_are_written_before_it_ends(
    statements: list[str],
) -> None:
    """The process stops within the batch time: what is due is written as it stops (before
    the pool closes), not lost."""
    (session,) = await _sessions(1)
    now = dt.datetime.now(dt.UTC)
    async with touches_written(current_engine()):
        await touch_session(dataclasses.replace(session, last_seen_at=now))
        assert (await _seen())[session.id] == OLD
    assert (await _seen())[session.id] == now
    # Stopped: a touch is written at once again.
    later = now + dt.timedelta(seconds=1)
    await touch_session(dataclasses.replace(session, last_seen_at=later))
    assert (await _seen())[session.id] == later


@pytest.mark.usefixtures("quick")
async def test_a_batch_that_cannot_be_written_stays_due(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses the first write (as one that is away would): the touches are
    kept, with any newer ones, and written in the next round."""
    (first, second) = await _sessions(2)
    failures = 0

    async def refusing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("database away")
        return await fetch(*args, **kwargs)

    monkeypatch.setattr("backend.accounts.sessions.fetch", refusing_once)
    sessions._UNWRITTEN.reset()  # an outage another test left open would only be counted
    # The `portal` logger does not propagate to the root once an app has configured it.
    logger = logging.getLogger("portal.sessions")
    logger.addHandler(caplog.handler)
    monkeypatch.setattr(logger, "level", logging.WARNING)
    now = dt.datetime.now(dt.UTC)
    async with touches_written(current_engine()):
        await touch_session(dataclasses.replace(first, last_seen_at=now))
        await eventually(lambda: _true(failures > 0), 5)
        await touch_session(dataclasses.replace(second, last_seen_at=now))
        await eventually(lambda: _written(first.id, second.id), 5)
    logger.removeHandler(caplog.handler)
    assert "cannot write sessions' activity" in caplog.text


async def test_a_served_app_writes_a_citizens_activity_in_a_batch(
    settings: Settings,
) -> None:
    """Through the app as `portal serve` runs it (with a pool, so with the companion): a
    citizen's request whose touch is due is answered, and its session's `last_seen_at` is
    written within the batch time, and by the stop at the latest."""
    served = msgspec.structs.replace(settings, hot_cache=False, embedded_worker=False)
    app = create_app(settings=served, engine=make_engine(served), pool=True)
    async with PortalClient(app=app, base_url=ORIGIN) as client:
        await enrol_citizen(client)  # type: ignore[arg-type]
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
        await Session.update({Session.last_seen_at: old}).where(Session.account.is_not_null())
        assert (await client.get("/api/v1/dashboard")).status_code == 200
        assert (await client.get("/api/v1/me/passkeys")).status_code == 200

        async def last_seen() -> dt.datetime:
            row = (
                await Session.select(Session.last_seen_at)
                .where(Session.account.is_not_null())
                .first()
            )
            assert row is not None
            seen: dt.datetime = row["last_seen_at"]
            return seen

        assert await last_seen() == old  # due, in the next batch

        async def written() -> bool:
            return await last_seen() != old

        await eventually(written, sessions.TOUCH_BATCH_S + 5)
    assert dt.datetime.now(dt.UTC) - await last_seen() < dt.timedelta(minutes=1)


async def test_a_stop_with_the_database_away_still_stops(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The last batch cannot be written as the process stops: the stop goes on (its pool
    still closes), and the log says how many sessions' activity was not written."""
    (session,) = await _sessions(1)

    async def refusing(*_: Any, **__: Any) -> Any:
        raise ConnectionError("database away")

    logger = logging.getLogger("portal.sessions")
    logger.addHandler(caplog.handler)
    monkeypatch.setattr(logger, "level", logging.WARNING)
    async with touches_written(current_engine()):
        monkeypatch.setattr("backend.accounts.sessions.fetch", refusing)
        await touch_session(dataclasses.replace(session, last_seen_at=dt.datetime.now(dt.UTC)))
    logger.removeHandler(caplog.handler)
    monkeypatch.undo()
    assert "1 sessions' activity not written at the stop (ConnectionError)" in caplog.text
    assert (await _seen())[session.id] == OLD
