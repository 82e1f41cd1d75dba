"""The connection pools `portal serve` runs with (tests otherwise run without one): a pooled
engine gives the same answers, survives a failed statement, keeps transactions on their own
connection, and leaves nothing running when closed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.accounts import sessions
from backend.accounts.sessions import hash_token
from backend.applications.services import dashboards
from backend.applications.services.dashboards import Version, signed_in_dashboard
from backend.catalog.tables import Agency
from backend.lib.db import (
    bind_engine,
    close_pool,
    current_engine,
    make_engine,
    open_pool,
    write_transaction,
)
from backend.lib.sqlite import SQLITE_POOL_SIZE, utc_of_text
from backend.lib.statements import Statement, fetch, inline_statements
from backend.settings import Settings
from backend.system import hotcache
from backend.system.tables import ChangeCounter
from tests.support.applications import apply
from tests.support.database import Database
from tests.support.flows import csrf, enrol_citizen

Client = AsyncTestClient[Any]


async def _write_then_fail() -> None:
    async with write_transaction():
        await ChangeCounter.insert(ChangeCounter(name="pool-test", value=1))
        assert await ChangeCounter.exists().where(ChangeCounter.name == "pool-test")
        raise RuntimeError("undo")


async def test_pooled_engine_statements_and_transactions(db: Database) -> None:
    threads = set(threading.enumerate())
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 4)
    bind_engine(engine)
    agencies = len(db.snapshot["agency"])
    try:
        # More concurrent statements than pooled connections: they take turns.
        assert set(await asyncio.gather(*(Agency.count() for _ in range(40)))) == {agencies}
        with pytest.raises((sqlite3.OperationalError, asyncpg.UndefinedTableError)):
            await engine.run_ddl("SELECT * FROM no_such_table")
        assert await Agency.count() == agencies

        # Inside a transaction, statements see its writes; after the rollback nobody does.
        with pytest.raises(RuntimeError, match="undo"):
            await _write_then_fail()
        assert not await ChangeCounter.exists().where(ChangeCounter.name == "pool-test")
        await ChangeCounter.insert(ChangeCounter(name="pool-test", value=2))
        assert await ChangeCounter.select(ChangeCounter.value).where(
            ChangeCounter.name == "pool-test"
        ).first() == {"value": 2}
    finally:
        await close_pool(engine)
    # SQLite's connection threads end: aiosqlite resolves `close()` just before its thread
    # returns, so give each a moment rather than racing it.
    leftover = set(threading.enumerate()) - threads
    for thread in leftover:
        thread.join(timeout=5)
    assert not [thread for thread in leftover if thread.is_alive()]


async def test_hot_statements_answer_the_same_on_the_pool(client: Client, db: Database) -> None:
    """`lib.statements.fetch` runs a Statement's SQL as compiled for the engine on a pooled
    connection (without a pool, through Piccolo): the dashboard's one statement gives the
    same."""
    await enrol_citizen(client)
    for _ in range(3):
        await apply(client)
    token_hash = hash_token(client.cookies["portal_session"])

    async def read(known: Version | None = None) -> tuple[Any, ...]:
        found = await signed_in_dashboard(token_hash, limit=2, cursor=None, since=None, known=known)
        assert found is not None
        session, version, page = found
        return session, version, msgspec.json.encode(page)

    unpooled = await read()
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    try:
        assert await read() == unpooled
        assert len(json.loads(unpooled[2])["items"]) == 2
        assert (await read(unpooled[1]))[2] == b"null"  # the client has it: no page
    finally:
        await close_pool(engine)


_AGENCIES = Statement("SELECT COUNT(*) AS n FROM agency", inline=True)


async def test_inline_reads_give_the_rows_a_connection_thread_gives(
    client: Client, db: Database
) -> None:
    """SQLite's inline reads skip Piccolo's converters and convert only the columns their
    statement names as timestamps: every inline statement gives the same rows, value for
    value and type for type, as on a connection's thread (where Piccolo's converters run),
    for a citizen with a submitted application, a draft and a discarded draft. A new inline
    statement fails here until it is added to the runs (`inline_statements()`)."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's inline reads")
    await enrol_citizen(client)
    await apply(client)
    await apply(client, submit=False)
    discarded = (await apply(client, submit=False)).json()["id"]
    gone = await client.delete(f"/api/v1/applications/{discarded}", headers=csrf(client))
    assert gone.status_code == 204
    token_hash = hash_token(client.cookies["portal_session"])
    account = (await fetch(sessions._LOAD, token_hash))[0]["account"]
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    since = dashboards._SINCE
    every = "," + ",".join(str(i) for i in range(1, 100)) + ","  # each service's answers read
    runs: list[tuple[Statement, tuple[Any, ...]]] = [
        (sessions._LOAD, (token_hash,)),
        (_AGENCIES, ()),
        (dashboards._VERSION, (account,)),
        (dashboards._SERVICES, ()),
        (dashboards._AGENCIES, ()),
        (hotcache._LAST, ()),
        (hotcache._NEWER, (0, 10)),
        (Statement(hotcache._CHECK.format("{}"), inline=True, times=hotcache._CHECK_TIMES),
         (token_hash,)),
    ]  # fmt: skip
    for kind, bound in ((dashboards._NEWEST, ()), (dashboards._BEFORE, (2**40,)), (since, (0,))):
        runs.append((dashboards._SIGNED_IN[kind], (token_hash, every, -1, -1, *bound, 10)))
        runs.append((dashboards._PAGES[kind], (every, account, account, *bound, 10)))
    checked = {statement.template for statement, _ in runs}
    unchecked = [
        s.template for s in inline_statements()
        if s.template not in checked and not s.template.startswith(hotcache._CHECK[:40])
    ]  # fmt: skip
    assert not unchecked, f"an inline statement this test does not run both ways: {unchecked}"
    try:
        for statement, args in runs:
            inline = engine.read_inline(
                statement.sqlite, args, statement.times, statement.positional
            )
            threaded = [dict(row) for row in await engine._run_pooled(statement.sqlite, args)]
            for row in threaded:  # Piccolo's converters apply by the first row's column types:
                for name in statement.times:  # the last row's session times come as text
                    if isinstance(row[name], str):
                        row[name] = utc_of_text(row[name])
            assert inline, statement.template
            if statement.positional:  # by position: the values in the columns' order
                inline = [dict(zip(row, values, strict=True)) for row, values in zip(
                    threaded, inline, strict=True)]  # fmt: skip
            assert [[(k, type(v), v) for k, v in row.items()] for row in inline] == [
                [(k, type(v), v) for k, v in row.items()] for row in threaded
            ], statement.template
        pages = dashboards._PAGES[since]
        rows = engine.read_inline(pages.sqlite, (every, account, account, 0, 10), pages.times, True)
        assert rows is not None
        assert sum(bool(r[dashboards.DELETED]) for r in rows) == 1
        assert sum(r[dashboards.SUBMITTED_AT] is not None for r in rows) == 1
    finally:
        await close_pool(engine)


async def test_a_short_read_on_sqlite_is_answered_on_the_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Statement marked `inline` runs on the event loop's own SQLite connection, without
    the hop to a connection's thread (lib.sqlite.PooledSQLiteEngine.read_inline)."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's connections")
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    try:

        async def no_hop(*_: Any) -> Any:
            raise AssertionError("went to a connection's thread")

        with monkeypatch.context() as patched:
            patched.setattr(engine, "_run_pooled", no_hop)
            assert (await fetch(_AGENCIES))[0]["n"] == len(db.snapshot["agency"])
    finally:
        await close_pool(engine)


async def test_a_locked_sqlite_database_never_stalls_the_loop(db: Database) -> None:
    """While another process holds the whole database (SQLite's exclusive locking mode), a
    short read does not wait on the event loop's thread: it waits on a connection's thread,
    the loop serving others meanwhile, and is answered once the lock goes."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's locks")
    # The fixture's pool has read the database (its loop connection, setting its cache): no
    # other process could then take the whole of it, so it closes first.
    await close_pool(current_engine())
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    blocker = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    blocker.execute("UPDATE agency SET code = code")
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    def release() -> None:  # in WAL mode the lock stays until the connection closes
        blocker.execute("COMMIT")
        blocker.close()

    ticker = asyncio.create_task(ticking())
    try:
        asyncio.get_running_loop().call_later(0.5, release)
        async with asyncio.timeout(10):
            assert (await fetch(_AGENCIES))[0]["n"] == len(db.snapshot["agency"])
        assert ticks >= 20  # the loop ran through the wait
    finally:
        ticker.cancel()
        blocker.close()
        await close_pool(engine)


_SLOW = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
_SLOW += "SELECT COUNT(*) AS n FROM n"


async def test_the_cache_feed_is_read_while_every_sqlite_connection_is_busy(
    db: Database,
) -> None:
    """The feed's poll keeps each process's memory on (system.hotcache): it must not queue
    behind the statements that hold every kept connection (a burst of writes, slow reads),
    or memory switches off when load is highest. Its reads run on the loop's connection."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's connections")
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    cache = hotcache.cache_of(engine)
    try:
        busy = [asyncio.ensure_future(engine.run_ddl(_SLOW)) for _ in range(2 * SQLITE_POOL_SIZE)]
        await asyncio.sleep(0.05)  # they hold every kept connection
        assert not any(task.done() for task in busy)
        async with asyncio.timeout(hotcache.STALE_AFTER_S / 2):
            await cache.poll(engine)
            await cache.poll(engine)
        assert cache.live
        assert not all(task.done() for task in busy)  # the poll did not wait for them
        await asyncio.gather(*busy)
    finally:
        await close_pool(engine)


async def test_while_a_transaction_is_open_short_reads_take_their_turn(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction's statements each wait for the event loop to come round; reads done
    inline would make every round as long as all the requests' work, so while one is open
    (a submission) short reads hop to a connection's thread like everything else."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's connections")
    engine = make_engine(Settings(database_url=db.url, var_dir=str(db.var_dir)))
    await open_pool(engine, 1, 2)
    bind_engine(engine)
    hops: list[str] = []
    hop = type(engine)._run_pooled

    async def counted(self: Any, query: str, args: Any) -> Any:
        hops.append(query)
        return await hop(self, query, args)

    monkeypatch.setattr(type(engine), "_run_pooled", counted)
    agencies = len(db.snapshot["agency"])
    opened, done = asyncio.Event(), asyncio.Event()

    async def submission() -> None:
        async with engine.transaction():
            await ChangeCounter.insert(ChangeCounter(name="pool-test", value=1))
            opened.set()
            await done.wait()

    try:
        assert (await fetch(_AGENCIES))[0]["n"] == agencies
        assert hops == []  # inline
        writing = asyncio.ensure_future(submission())
        await opened.wait()
        assert (await fetch(_AGENCIES))[0]["n"] == agencies
        assert hops == [_AGENCIES.sqlite]  # its turn, on a connection's thread
        done.set()
        await writing
        assert (await fetch(_AGENCIES))[0]["n"] == agencies
        assert hops == [_AGENCIES.sqlite]  # inline again
    finally:
        await close_pool(engine)
