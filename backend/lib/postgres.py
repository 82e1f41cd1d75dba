"""PostgreSQL's engine, with transactions that always hand their connection back.

Piccolo's `PostgresTransaction` gives its pooled connection back only when BEGIN and the
COMMIT or ROLLBACK succeed. When the database goes away mid-transaction (a restart, a
failover) the failing statement kept the connection: the pool shrank with every outage, and at
shutdown `Pool.close()` waited forever for the lost ones ("Pool.close() is taking over 60
seconds", seen after stopping PostgreSQL under load). Here the connection goes back whatever
happens; asyncpg's release rolls back, or ends, a connection left in a bad state.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.pool import Pool, PoolConnectionProxy
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from backend.lib.metrics import metrics

__all__ = ["LeanPool", "PortalPostgresEngine"]


async def _keep_session(_: asyncpg.Connection) -> None:
    """The pool's reset in place of asyncpg's default query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL): a round trip after every query, as Piccolo takes a connection per
    query. Pooled connections never hold that session state here (the migration lock has a
    connection of its own); asyncpg still rolls back a transaction left open."""


class LeanPool(Pool):  # type: ignore[misc]
    """asyncpg's pool, with its reset left out (`_keep_session`) and a connection that comes
    back idle and healthy put back at once. asyncpg's release runs in a task of its own
    (shielded from cancellation) to reset the connection: with nothing to reset that task
    was a quarter of a pooled query's CPU (`make bench`). Anything else (a transaction left
    open, a cancelled query, a closed or expired connection, listeners) goes the usual way.
    It reads asyncpg's private state (0.32, pinned in uv.lock): tests/lib/test_postgres_engine.py
    checks what a borrower after it sees."""

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109 (asyncpg's signature)
        if not self._put_back(connection):
            await super().release(connection, timeout=timeout)

    def _put_back(self, proxy: Any) -> bool:
        """What asyncpg's release does for a connection with nothing to wait for."""
        con = proxy._con
        if type(proxy) is not PoolConnectionProxy or con is None or proxy._holder._pool is not self:
            return False
        holder, protocol = proxy._holder, con._protocol
        if (
            con.is_closed()
            or protocol.queries_count >= holder._max_queries
            or holder._generation != self._generation
            or protocol._is_cancelling()
            or protocol.is_in_transaction()
            or con._top_xact is not None
            or con._listeners
            or con._log_listeners
        ):
            return False
        con._on_release()
        holder._timeout = None
        holder._release()
        holder._setup_inactive_callback()
        return True


class _Transaction(PostgresTransaction):
    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        counted, started = metrics(), time.perf_counter()
        self.connection = await self.get_connection()  # type: ignore[no-untyped-call]
        if self.engine.pool:
            counted.db_pool_wait.observe(time.perf_counter() - started)
            counted.db_pool_in_use.inc()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            await self._give_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is None:
                if not self._committed and not self._rolled_back:
                    await self.commit()  # type: ignore[no-untyped-call]
            elif not self._rolled_back:
                # A broken connection cannot roll back: the first error is the one to report,
                # and release() ends the connection.
                with contextlib.suppress(Exception):
                    await self.rollback()  # type: ignore[no-untyped-call]
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back()
        return exception is None

    async def _give_back(self) -> None:
        if self.engine.pool:
            metrics().db_pool_in_use.dec()
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()


class PortalPostgresEngine(PostgresEngine):
    async def start_connection_pool(self, **kwargs: Any) -> None:
        """A `LeanPool` (asyncpg.create_pool's defaults, its reset left out)."""
        if self.pool:
            raise RuntimeError("the pool is already open")
        config = {
            "init_size": None,
            "min_size": 10,
            "max_size": 10,
            "max_queries": 50000,
            "max_inactive_connection_lifetime": 300.0,
            "connect": None,
            "setup": None,
            "init": None,
            "loop": None,
            "connection_class": asyncpg.Connection,
            "record_class": asyncpg.Record,
            **self.config,
            **kwargs,
            "reset": _keep_session,
        }
        self.pool = await LeanPool(**config)

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _Transaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        """A query outside a transaction, its wait for a connection counted."""
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        counted, started = metrics(), time.perf_counter()
        async with self.pool.acquire() as connection:
            counted.db_pool_wait.observe(time.perf_counter() - started)
            counted.db_pool_in_use.inc()
            try:
                return await connection.fetch(query, *(args or []))
            finally:
                counted.db_pool_in_use.dec()
