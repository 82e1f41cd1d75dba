"""SQLite's engine for the portal: Piccolo's, with kept connections (see PooledSQLiteEngine)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Collection, Sequence
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

__all__ = ["SQLITE_BUSY_TIMEOUT_S", "SQLITE_POOL_SIZE", "PooledSQLiteEngine", "utc_of_text"]

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite writer waits for the lock before failing; one-server deployments only."""

SQLITE_POOL_SIZE = max(2, min(8, os.cpu_count() or 2))
"""Connections (each with its own thread) a pooled SQLite engine keeps for plain statements:
one per core (2 to 8). More only contend for the GIL: on 2 cores, 32 concurrent dashboards ran
at 2,200 req/s with 8 and 3,700 with 2 (scripts/bench_dashboard.py, in-process)."""

INLINE_CACHE_KIB = 64 * 1024
"""The page cache of the event loop's own connection, which does most of a process's reads:
with SQLite's default (2 MiB) the dashboard's database path cost ~6 % more CPU on the bench's
100 k applications (110 MB). Memory is taken only as pages are read."""


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
        self._threaded = 0
        """Transactions of this process open now, each on a connection's thread: while any
        is, short reads go there too (`read_inline`)."""

    def start_pool(self, size: int) -> None:
        if sqlite3.sqlite_version_info >= (3, 35):  # older: Piccolo's own insert path
            self._slots = asyncio.Semaphore(size)
            # Made here, on the event loop's thread: the only one that may use it.
            # Without Piccolo's converters (detect_types): they ran a Python call for every
            # typed value, 45 % of the dashboard statement's CPU; the statement names the
            # columns that need one (`times`).
            kwargs = {**self.connection_kwargs, "timeout": 0, "detect_types": 0}
            inline = sqlite3.connect(**kwargs)
            inline.execute("PRAGMA foreign_keys = 1")
            with contextlib.suppress(sqlite3.OperationalError):  # locked by another process
                inline.execute(f"PRAGMA cache_size = -{INLINE_CACHE_KIB}")
            self._inline = threading.get_ident(), inline

    def read_inline(
        self,
        query: str,
        args: Sequence[Any],
        times: Collection[str] = (),
        positional: bool = False,
    ) -> list[Any] | None:
        """A short read (`lib.statements.Statement.inline`) on this thread's own connection,
        without the hop to a connection's thread: that hop (aiosqlite's queue, two thread
        switches) cost more CPU than the query, twice over on a dashboard request. It never
        waits: the database is in WAL mode, where readers take no lock a writer holds, and
        with no busy timeout the rare wait (another process holding the database, a
        checkpoint resetting the log) is None here, and the caller goes the usual way.

        None too while this process has a transaction open (on a connection's thread): each
        of its statements resumes only when the event loop comes round, and reads done
        inline make each round as long as all the requests' work (32 dashboards: ~14 ms a
        round, a submission's 20 statements 30 → 350 ms). Then reads hop as well, and rounds
        stay short. A lone statement (a session's touch, after the response) pays one round.

        The rows are as Piccolo's connections give them, given that the statement names its
        timestamp columns (`times`, read as UTC datetimes); others are SQLite's own values
        (integers, text, NULL), so a statement must not read BOOLEAN, NUMERIC, DATE or UUID
        columns inline (tests/system/test_pools.py compares both paths for each)."""
        held = self._inline
        if held is None or self._threaded or held[0] != threading.get_ident():
            return None
        try:
            cursor = held[1].execute(query, args)
            try:
                found = cursor.fetchall()
                names = [column[0] for column in cursor.description or ()]
            finally:
                cursor.close()  # its read transaction ends with it
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise
        rows = _times_converted(found, [names.index(name) for name in times])
        return rows if positional else [dict(zip(names, row, strict=True)) for row in rows]

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
        """A kept connection for a transaction (a new one when none is idle), which it must
        `give_back`."""
        self._threaded += 1
        try:
            return self._idle.pop() if self._idle else await self._connect()
        except BaseException:
            self._threaded -= 1
            raise

    def give_back(self, connection: aiosqlite.Connection, *, usable: bool = True) -> None:
        """A connection `lend` gave a transaction, after its COMMIT or ROLLBACK (`usable`:
        they went through; else it is closed, to start afresh)."""
        self._threaded -= 1
        if usable and self._slots is not None and len(self._idle) < 2 * SQLITE_POOL_SIZE:
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
                found = await connection.execute_fetchall(query, args)
                rows: list[dict[str, Any]] = list(found)  # type: ignore[arg-type]
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
    _lent = False
    """Its connection came from `engine.lend` (the pool was open): it goes back there."""

    async def get_connection(self) -> aiosqlite.Connection:
        if self.engine._slots is None:
            return await super().get_connection()  # type: ignore[no-untyped-call,no-any-return]
        connection = await self.engine.lend()
        self._lent = True
        return connection

    async def __aenter__(self) -> SQLiteTransaction:
        try:
            return await super().__aenter__()
        except BaseException:
            if self._parent is None and self._lent:
                # BEGIN failed (the database locked past the busy timeout): __aexit__ will
                # not run.
                self.engine.give_back(self.connection, usable=False)
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent or not self._lent:
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
            # A failed COMMIT or ROLLBACK: not kept.
            self.engine.give_back(connection, usable=kept)
        return exception is None


def _times_converted(rows: list[tuple[Any, ...]], at: list[int]) -> list[Any]:
    """`rows` with the text in columns `at` read as UTC datetimes (each row then a list)."""
    if not at:
        return rows
    converted: list[Any] = []
    for row in rows:
        changed = list(row)
        for i in at:
            if (value := changed[i]) is not None:
                changed[i] = utc_of_text(value)
        converted.append(changed)
    return converted


def utc_of_text(stored: str) -> dt.datetime:
    """A TIMESTAMPTZ column's text, as Piccolo's converter reads it: as UTC (it is stored so,
    with its offset, which makes the replace needless but for text written by hand)."""
    parsed = dt.datetime.fromisoformat(stored)
    return parsed if parsed.tzinfo is dt.UTC else parsed.replace(tzinfo=dt.UTC)
