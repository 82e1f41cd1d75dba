"""A process's writers take the change counter in turn (lib.db.one_at_a_time): on PostgreSQL the
ones behind wait in the event loop, not on the counter row's lock in the database, and a
transaction gives its turn back however it ends."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from piccolo.querystring import QueryString

from backend.lib import db as lib_db
from backend.lib.db import current_engine, transaction
from backend.system.counters import next_value
from tests.support.database import Database, locks_waiting

pytestmark = pytest.mark.usefixtures("db")

COUNTER = "test-turns"


@pytest.fixture(autouse=True)
def _turns_never_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """No fallback to waiting in PostgreSQL unless a test asks: a turn not given back, or
    not kept by its holder, then shows as a wait far longer than these tests allow."""
    monkeypatch.setattr(lib_db, "TURN_WAIT_S", 30.0)


async def test_the_next_writer_waits_for_the_number_in_the_process_then_gets_the_next(
    db: Database,
) -> None:
    took, release = asyncio.Event(), asyncio.Event()

    async def holder() -> int:
        async with transaction():
            value = await next_value(COUNTER)
            took.set()
            await release.wait()  # its commit waits too
            return value

    async def follower() -> int:
        async with transaction():
            return await next_value(COUNTER)

    first = asyncio.create_task(holder())
    await took.wait()
    second = asyncio.create_task(follower())
    await asyncio.sleep(0.3)
    assert not second.done()  # behind the first, which has not committed
    if db.kind == "postgres":
        assert await locks_waiting() == 0  # it waits here, not on the row
    release.set()
    n = await first
    assert await asyncio.wait_for(second, 5) == n + 1


async def test_a_transaction_taking_two_numbers_gets_them_one_after_the_other() -> None:
    async with transaction():
        first = await next_value(COUNTER)
        second = await asyncio.wait_for(next_value(COUNTER), 0.5)  # its own turn: no wait
    assert second == first + 1


async def test_a_failed_transaction_gives_its_turn_back() -> None:
    async with transaction():
        before = await next_value(COUNTER)

    class Refused(Exception):
        pass

    async def refused() -> None:
        async with transaction():
            await next_value(COUNTER)
            raise Refused

    with pytest.raises(Refused):
        await refused()
    async with asyncio.timeout(0.5), transaction():
        after = await next_value(COUNTER)
    assert after == before + 1  # the failed one's number was rolled back with it


async def test_a_cancelled_writer_gives_its_turn_back() -> None:
    took = asyncio.Event()

    async def stuck() -> None:
        async with transaction():
            await next_value(COUNTER)
            took.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await took.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(0.5), transaction():
        assert await next_value(COUNTER) >= 1


async def test_a_writer_locking_a_row_after_its_number_ends_in_a_deadlock_error_not_a_hang(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A takes its number, then updates a row B locked; B waits for its turn. The process
    alone cannot see the cycle: B waits TURN_WAIT_S for its turn, then on the counter's row in
    PostgreSQL, whose deadlock detector ends one of the two with an error (as it did before
    turns); the other commits."""
    if db.kind != "postgres":
        pytest.skip("SQLite has one writer at a time: no such cycle")
    monkeypatch.setattr(lib_db, "TURN_WAIT_S", 0.2)
    engine = current_engine()
    await engine.run_querystring(
        QueryString("INSERT INTO change_counter (name, value) VALUES ('test-row', 0)")
    )
    a_numbered, b_locked = asyncio.Event(), asyncio.Event()
    lock_row = "SELECT value FROM change_counter WHERE name = 'test-row' FOR UPDATE"

    async def a() -> None:
        async with transaction():
            await next_value(COUNTER)
            a_numbered.set()
            await b_locked.wait()
            await asyncio.sleep(0.05)  # B is waiting for its turn
            await engine.run_querystring(QueryString(lock_row))

    async def b() -> None:
        await a_numbered.wait()
        async with transaction():
            await engine.run_querystring(QueryString(lock_row))
            b_locked.set()
            await next_value(COUNTER)

    async with asyncio.timeout(10):  # without the bound: forever
        outcomes = await asyncio.gather(a(), b(), return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failed) == 1
    assert isinstance(failed[0], asyncpg.exceptions.DeadlockDetectedError)


async def test_a_writer_that_gave_up_its_turn_never_waits_for_it_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T waited too long for its turn and went on to the row in PostgreSQL. Once T holds the
    row, the next writer of the process (W) has the turn and waits there for T's row: T's
    next number must not wait for W's turn (a cycle only the process could see)."""
    if db.kind != "postgres":
        pytest.skip("SQLite has one writer at a time: no turns")
    monkeypatch.setattr(lib_db, "TURN_WAIT_S", 0.2)
    h_took, release_h = asyncio.Event(), asyncio.Event()
    numbers: dict[str, list[int]] = {}

    async def h() -> None:
        async with transaction():
            numbers["h"] = [await next_value(COUNTER)]
            h_took.set()
            await release_h.wait()

    async def t() -> None:
        await h_took.wait()
        async with transaction():
            first = await next_value(COUNTER)  # gives up its turn, waits on the row
            numbers["t"] = [first, await next_value(COUNTER)]

    async def w() -> None:
        async with transaction():
            numbers["w"] = [await next_value(COUNTER)]

    holder, giver_up = asyncio.create_task(h()), asyncio.create_task(t())
    await h_took.wait()
    await asyncio.sleep(0.5)  # T has given up its turn and waits in PostgreSQL
    monkeypatch.setattr(lib_db, "TURN_WAIT_S", 30.0)
    next_writer = asyncio.create_task(w())
    await asyncio.sleep(0.1)
    release_h.set()
    async with asyncio.timeout(5):
        await asyncio.gather(holder, giver_up, next_writer)
    [n] = numbers["h"]
    assert numbers["t"] == [n + 1, n + 2] and numbers["w"] == [n + 3]
