"""PostgreSQL's engine gives a connection back to the pool when the database breaks it
mid-transaction (a restart, a failover), so the pool does not shrink with every outage and
closes at once at shutdown."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from piccolo.querystring import QueryString

from backend.lib.db import close_pool, make_engine, open_pool
from backend.lib.postgres import PortalPostgresEngine
from backend.settings import Settings
from tests.support.database import Database

CUT = "SELECT pg_terminate_backend(pg_backend_pid())"
"""The server ends this connection, as it does when it stops or fails over."""


async def test_a_connection_cut_mid_transaction_goes_back_to_the_pool(db: Database) -> None:
    if db.kind != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    engine = PortalPostgresEngine(config={"dsn": db.url})
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        for _ in range(3):  # one connection in all: one kept would leave none for the next
            async with asyncio.timeout(5):
                with pytest.raises(Exception, match="terminat"):
                    async with engine.transaction():
                        await engine.run_ddl(CUT)
        async with asyncio.timeout(5):
            assert [dict(r) for r in await engine.run_ddl("SELECT 1 AS one")] == [{"one": 1}]
    finally:
        async with asyncio.timeout(5):  # every connection is back: closing does not wait
            await engine.close_connection_pool()


PREPARED = "SELECT count(*) AS n FROM pg_prepared_statements"


@pytest.mark.parametrize("pooler", [False, True])
async def test_behind_a_transaction_pooler_no_statement_stays_prepared(
    db: Database, pooler: bool
) -> None:
    """DB_TRANSACTION_POOLER reaches the pool: PgBouncer in transaction mode may run the next
    query on another server connection, where a statement asyncpg kept prepared is missing."""
    if db.kind != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    settings = Settings(database_url=db.url, var_dir=str(db.var_dir), db_transaction_pooler=pooler)
    engine = make_engine(settings)
    await open_pool(engine, 1, 1)  # one connection: every query below shares its session
    try:
        await engine.run_querystring(QueryString("SELECT {}::int AS one", 1))
        rows = await engine.run_ddl(PREPARED)
        assert (rows[0]["n"] == 0) is pooler
    finally:
        await close_pool(engine)


async def _one_connection_pool(db: Database) -> PortalPostgresEngine:
    if db.kind != "postgres":
        pytest.skip("PostgreSQL's connection pool")
    engine = PortalPostgresEngine(config={"dsn": db.url})
    await engine.start_connection_pool(min_size=1, max_size=1)
    return engine


PID = "SELECT pg_backend_pid() AS pid"


async def test_a_connection_given_back_idle_serves_the_next_query(db: Database) -> None:
    """The lean pool puts an idle connection straight back: the same session serves the next
    borrower, and the one who gave it back can no longer use it."""
    engine = await _one_connection_pool(db)
    try:
        pool = engine.pool
        connection = await pool.acquire()
        first = await connection.fetchval(PID)
        await pool.release(connection)
        with pytest.raises(asyncpg.InterfaceError):
            await connection.fetchval(PID)
        async with asyncio.timeout(5):
            assert [r["pid"] for r in await engine.run_ddl(PID)] == [first]
    finally:
        await close_pool(engine)


async def test_a_transaction_left_open_is_rolled_back_before_the_next_borrower(
    db: Database,
) -> None:
    engine = await _one_connection_pool(db)
    try:
        pool = engine.pool
        connection = await pool.acquire()
        await connection.execute("BEGIN; CREATE TEMP TABLE left_open (n int)")
        await pool.release(connection)
        async with asyncio.timeout(5), pool.acquire() as again:
            assert not again.is_in_transaction()
            assert await again.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await close_pool(engine)


async def test_a_query_cancelled_mid_flight_leaves_the_pool_usable(db: Database) -> None:
    """A request ended while its query runs (a client gone, a timeout): the server stops the
    query and the pool's one connection serves the next at once, not after the sleep."""
    engine = await _one_connection_pool(db)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await engine.run_ddl("SELECT pg_sleep(30)")
        async with asyncio.timeout(5):
            assert [dict(r) for r in await engine.run_ddl("SELECT 1 AS one")] == [{"one": 1}]
    finally:
        await close_pool(engine)
