"""A process's writers take the change counter in turn (lib.db.one_at_a_time): on PostgreSQL the
ones behind wait in the event loop, not on the counter row's lock in the database, and a
transaction gives its turn back however it ends."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.querystring import QueryString

from backend.lib.db import current_engine, transaction
from backend.system.counters import next_value
from tests.support.database import Database

pytestmark = pytest.mark.usefixtures("db")

COUNTER = "test-turns"


async def _waiting_on_a_lock_in_postgres() -> int:
    """Backends of this database waiting for a lock another holds."""
    rows = await current_engine().run_querystring(
        QueryString(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
    )
    return int(rows[0]["n"])


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
        assert await _waiting_on_a_lock_in_postgres() == 0  # it waits here, not on the row
    release.set()
    n = await first
    assert await asyncio.wait_for(second, 5) == n + 1


async def test_a_transaction_taking_two_numbers_gets_them_one_after_the_other() -> None:
    async with transaction():
        first = await next_value(COUNTER)
        second = await asyncio.wait_for(next_value(COUNTER), 5)  # its own turn: no wait
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
    async with asyncio.timeout(5), transaction():
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
    async with asyncio.timeout(5), transaction():
        assert await next_value(COUNTER) >= 1
