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

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from backend.lib.metrics import metrics

__all__ = ["PortalPostgresEngine"]


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
