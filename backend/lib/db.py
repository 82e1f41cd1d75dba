"""Choose and bind the database engine.

Piccolo tables look up their engine lazily through `piccolo_conf`; `bind_engine` points every
table of the portal that has been imported (Piccolo keeps a registry of Table classes) at one
engine explicitly, which is how tests run the same code against SQLite and PostgreSQL in one
process. Bind after the domains are loaded (`backend.domains`), as the app factory, the
`portal` command and the tests do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from backend.lib.postgres import PortalPostgresEngine

if TYPE_CHECKING:
    from piccolo.engine.base import Engine
    from piccolo.table import Table

    from backend.settings import Settings

__all__ = [
    "PooledSQLiteEngine",
    "all_tables",
    "before_commit",
    "bind_engine",
    "close_pool",
    "current_engine",
    "defer_write",
    "deferring",
    "is_postgres",
    "make_engine",
    "open_pool",
    "take_deferred_writes",
    "transaction",
    "write_transaction",
]

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite writer waits for the lock before failing; one-server deployments only."""

SQLITE_POOL_SIZE = max(2, min(8, os.cpu_count() or 2))
"""Connections (each with its own thread) a pooled SQLite engine keeps for plain statements:
one per core (2 to 8). More only contend for the GIL: on 2 cores, 32 concurrent dashboards ran
at 2,200 req/s with 8 and 3,700 with 2 (scripts/bench_dashboard.py, in-process)."""

_bound: Engine[Any] | None = None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, reusing connections between `open_pool` and `close_pool`.

    Piccolo opens a new connection, on a new thread, for every statement outside a
    transaction: about 1.5 ms of CPU each, many times the query itself, and most of a
    dashboard request (scripts/bench_dashboard.py). With the pool open, such statements run on
    one of up to SQLITE_POOL_SIZE kept connections (autocommit, foreign keys on, as Piccolo
    sets them); transactions still open a connection of their own, and with no pool (tests,
    or a SQLite library without RETURNING) everything is as in Piccolo.

    Transactions, too, take a kept connection while the pool is open, and give it back
    after COMMIT or ROLLBACK (a new connection and thread per write transaction cost more
    than its statements: scripts/bench_writes.py). With RETURNING (SQLite 3.35), a
    statement in a transaction is one hop to the connection's thread, where Piccolo makes
    four (PRAGMA foreign_keys again, execute, fetch, close): the connection has it set."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(path=path, timeout=timeout)
        self._idle: list[aiosqlite.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._inline: tuple[int, sqlite3.Connection] | None = None

    def start_pool(self, size: int) -> None:
        if sqlite3.sqlite_version_info >= (3, 35):  # older: Piccolo's own insert path
            self._slots = asyncio.Semaphore(size)
            # Made here, on the event loop's thread: the only one that may use it.
            inline = sqlite3.connect(**{**self.connection_kwargs, "timeout": 0})
            inline.row_factory = dict_factory
            inline.execute("PRAGMA foreign_keys = 1")
            self._inline = threading.get_ident(), inline

    def read_inline(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]] | None:
        """A short read (`lib.statements.Statement.inline`) on this thread's own connection,
        without the hop to a connection's thread: that hop (aiosqlite's queue, two thread
        switches) cost more CPU than the query, twice over on a dashboard request. It never
        waits: the database is in WAL mode, where readers take no lock a writer holds, and
        with no busy timeout the rare wait (a checkpoint resetting the log) is None here,
        and the caller goes the usual way, which waits."""
        held = self._inline
        if held is None or held[0] != threading.get_ident():
            return None
        try:
            cursor = held[1].execute(query, args)
            try:
                rows: list[dict[str, Any]] = cursor.fetchall()
            finally:
                cursor.close()  # its read transaction ends with it
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise
        return rows

    async def close_pool(self) -> None:
        self._slots = None
        if self._inline is not None:
            _, inline = self._inline
            self._inline = None
            inline.close()
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        if self._closing:
            await asyncio.gather(*self._closing)

    def _pooled(self) -> bool:
        return (
            self._slots is not None
            and self.current_transaction.get() is None
            and not self.log_queries
        )

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        transaction = self.current_transaction.get()
        if transaction is not None and _RETURNING and not self.log_queries:
            query, args = querystring.compile_string(engine_type=self.engine_type)
            return list(await transaction.connection.execute_fetchall(query, args))
        if not self._pooled():
            return await super().run_querystring(querystring, in_pool)
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run_pooled(query, args)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _KeptTransaction(self, transaction_type, allow_nested)

    async def lend(self) -> aiosqlite.Connection:
        """A kept connection for a transaction (a new one when none is idle)."""
        return self._idle.pop() if self._idle else await self._connect()

    def give_back(self, connection: aiosqlite.Connection) -> None:
        """A transaction's connection, after its COMMIT or ROLLBACK."""
        if self._slots is not None and len(self._idle) < 2 * SQLITE_POOL_SIZE:
            self._idle.append(connection)
        else:
            self._discard(connection)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        if not self._pooled():
            return await super().run_ddl(ddl, in_pool)
        return await self._run_pooled(ddl, ())

    async def _run_pooled(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        slots = self._slots
        assert slots is not None
        async with slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                # One hop to the connection's thread (execute, fetch and close as three
                # cost twice the CPU of the query on a dashboard request).
                rows: list[dict[str, Any]] = list(await connection.execute_fetchall(query, args))  # type: ignore[arg-type]
            except BaseException:
                self._discard(connection)  # a failed or cancelled statement: start afresh
                raise
            if self._slots is slots:
                self._idle.append(connection)
            else:  # the pool was closed meanwhile
                self._discard(connection)
            return rows

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]  # aiosqlite's stub is narrow
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    def _discard(self, connection: aiosqlite.Connection) -> None:
        task = asyncio.ensure_future(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


class _KeptTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a kept connection while the engine's pool is open."""

    engine: PooledSQLiteEngine

    async def get_connection(self) -> aiosqlite.Connection:
        if self.engine._slots is None:
            return await super().get_connection()  # type: ignore[no-untyped-call,no-any-return]
        return await self.engine.lend()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent or self.engine._slots is None:
            return await super().__aexit__(exception_type, exception, traceback)
        connection, kept = self.connection, False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
            kept = not connection.in_transaction
        finally:
            self.engine.current_transaction.reset(self.context)
            if kept:
                self.engine.give_back(connection)
            else:  # a failed COMMIT or ROLLBACK: start afresh
                self.engine._discard(connection)
        return exception is None


def make_engine(settings: Settings) -> Engine[Any]:
    """An unconnected engine for the configured database."""
    if settings.is_postgres:
        config: dict[str, Any] = {"dsn": settings.database_url}
        if settings.db_transaction_pooler:
            # Each statement may run on another server connection: no named statements.
            config["statement_cache_size"] = 0
        return PortalPostgresEngine(config=config)
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///")).resolve()
    else:
        path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)


def all_tables() -> Iterator[type[Table]]:
    """Every table of the portal imported so far (not Piccolo's own migration table)."""
    from piccolo.table import TABLE_REGISTRY

    for table in TABLE_REGISTRY:
        if table.__module__.startswith("backend."):
            yield table


def bind_engine(engine: Engine[Any]) -> None:
    """Make every table (and `current_engine`) use `engine`."""
    global _bound
    _bound = engine
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine[Any]:
    if _bound is None:
        from backend.settings import get_settings

        bind_engine(make_engine(get_settings()))
    assert _bound is not None
    return _bound


def transaction() -> AbstractAsyncContextManager[Any]:
    """The same as `write_transaction()`: every transaction of the portal writes, and on
    SQLite one that begins deferred, reads, then writes fails at once with "database is
    locked" if another connection wrote meanwhile (its snapshot is stale; SQLite does not
    wait then), which a worker in the same process makes likely."""
    return write_transaction()


def write_transaction() -> AbstractAsyncContextManager[Any]:
    """A transaction that will write. On SQLite it takes the write lock at BEGIN (IMMEDIATE),
    so two writers queue instead of one failing with "database is locked" on upgrade; on
    PostgreSQL it is an ordinary transaction (rows are locked with SELECT … FOR UPDATE)."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return _with_before_commit(
            lambda: engine.transaction(transaction_type=TransactionType.immediate)
        )
    return _with_before_commit(engine.transaction)


class _Ending:
    """What the outermost transaction does last: jobs given to `before_commit`, and writes
    given to `defer_write` that no job took into its own statement."""

    __slots__ = ("claimed", "jobs", "writes")

    def __init__(self) -> None:
        self.jobs: list[Callable[[], Awaitable[None]]] = []
        self.writes: list[QueryString] = []
        self.claimed: set[str] = set()


_ending: ContextVar[_Ending | None] = ContextVar("transaction_ending", default=None)


@asynccontextmanager
async def _with_before_commit(begin: Callable[[], Any]) -> AsyncIterator[Any]:
    """The outermost transaction runs the jobs given to `before_commit` when its body has
    succeeded, just before it commits, then the deferred writes left; a nested one joins it."""
    if _ending.get() is not None:
        async with begin() as joined:
            yield joined
        return
    ending = _Ending()
    token = _ending.set(ending)
    try:
        async with begin() as started:
            yield started
            while ending.jobs:  # a job may add another
                await ending.jobs.pop(0)()
            if writes := take_deferred_writes():
                await current_engine().run_querystring(
                    _with_writes(QueryString("SELECT 1"), writes)
                )
    finally:
        _ending.reset(token)


def before_commit(job: Callable[[], Awaitable[None]]) -> None:
    """Run `job` last in the current transaction (one of `transaction()` or
    `write_transaction()`), after every other write: what must come last in a transaction
    (taking a counter's row lock that orders commits) cannot be followed by anything."""
    ending = _ending.get()
    if ending is None:
        raise RuntimeError("before_commit() belongs inside transaction() or write_transaction()")
    ending.jobs.append(job)


def deferring() -> set[str] | None:
    """Whether `defer_write` can defer here (PostgreSQL, in a transaction): the keys the
    transaction's deferred writes claimed so far, for a writer that must keep the first of
    two with one key (the CTEs of one statement run in no defined order); else None."""
    ending = _ending.get()
    return ending.claimed if ending is not None and is_postgres() else None


def defer_write(write: QueryString) -> bool:
    """Send `write` (INSERT, UPDATE or DELETE whose result nothing reads, and which reads no
    row the transaction writes after it) with the transaction's last statement: a round
    trip fewer on PostgreSQL, where data-modifying CTEs of one statement all run. False
    where it cannot (SQLite, or no transaction): the caller runs it now."""
    ending = _ending.get()
    if ending is None or not is_postgres():
        return False
    ending.writes.append(write)
    return True


def take_deferred_writes() -> list[QueryString]:
    """The deferred writes, taken for the caller to send in its own statement (as CTEs)."""
    ending = _ending.get()
    if ending is None:
        return []
    writes, ending.writes = ending.writes, []
    return writes


def _with_writes(query: QueryString, writes: Sequence[QueryString]) -> QueryString:
    """`query` (a SELECT) with `writes` run as data-modifying CTEs of the same statement."""
    if not writes:
        return query
    names = ", ".join(f"deferred{i} AS ({{}})" for i in range(len(writes)))
    return QueryString(f"WITH {names} {{}}", *writes, query)


async def open_pool(engine: Engine[Any], min_size: int, max_size: int) -> None:
    """Start PostgreSQL's connection pool (`min_size`..`max_size` connections), or let a
    pooled SQLite engine keep its connections (SQLITE_POOL_SIZE)."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=min_size, max_size=max_size)
    elif isinstance(engine, PooledSQLiteEngine):
        engine.start_pool(SQLITE_POOL_SIZE)


POOL_CLOSE_S = 5.0
"""How long closing PostgreSQL's pool waits for connections still lent out before ending them:
a stop must not wait on one a bug kept."""


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        pool, engine.pool = engine.pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), POOL_CLOSE_S)
        except TimeoutError:
            logging.getLogger("portal.db").warning(
                "connections not given back to the pool in %.0f s: ended", POOL_CLOSE_S
            )
            pool.terminate()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()


def is_postgres() -> bool:
    return isinstance(current_engine(), PostgresEngine)
