"""Hot statements: SQL compiled once for both engines and run without Piccolo's query
building (`fetch`), where a request's CPU is mostly that building (the dashboard, the
session, the write path's claims and locks)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.postgres import PortalPostgresEngine
from backend.lib.sqlite import PooledSQLiteEngine

__all__ = ["Statement", "fetch", "inline_statements"]

_INLINE: weakref.WeakSet[Statement] = weakref.WeakSet()


def inline_statements() -> list[Statement]:
    """Every inline Statement alive now (tests/system/test_pools.py runs each both ways)."""
    return list(_INLINE)


class Statement:
    """A hot statement's SQL, with `{}` for each value (in the order they are given), compiled
    for both engines once, at import: per request neither Piccolo's query building nor its
    QueryString compilation (each cost more CPU than the lookup itself). On PostgreSQL the
    same text on a kept connection is a prepared statement, parsed once per connection
    (asyncpg's statement cache)."""

    __slots__ = ("__weakref__", "inline", "positional", "postgres", "sqlite", "template", "times")

    def __init__(
        self,
        sql: str,
        *,
        inline: bool = False,
        times: tuple[str, ...] = (),
        positional: bool = False,
    ) -> None:
        self.inline = inline
        """A read of a few rows by index (a request's session, its dashboard): on SQLite run
        on the event loop's own connection, never waiting for a lock (`PooledSQLiteEngine.
        read_inline`)."""
        self.times = times
        """Its timestamp columns, which an inline read on SQLite converts (and only those)."""
        self.positional = positional
        """Rows by column position (asyncpg Records, tuples or lists), not by name: for a
        statement of many columns and rows (the dashboard's 23 by ~10), making each row a
        dict on SQLite cost a tenth of the request."""
        if inline:
            _INLINE.add(self)
        self.template = sql
        parts = sql.split("{}")
        self.postgres = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        self.sqlite = sql.replace("{}", "?")


async def fetch(
    statement: Statement, *args: Any, engine: Engine[Any] | None = None
) -> Sequence[Any]:
    """The rows of `statement` (mappings by column name: asyncpg Records or dicts): on
    PostgreSQL on the transaction's connection or a pooled one; on SQLite on a kept
    connection outside a transaction; the slow general path otherwise (tests without a pool,
    a SQLite transaction)."""
    engine = engine or current_engine()
    if isinstance(engine, PortalPostgresEngine):
        if (transaction := engine.current_transaction.get()) is not None:
            found: Sequence[Any] = await transaction.connection.fetch(statement.postgres, *args)
            return found
        if engine.pool is not None:
            records: Sequence[Any] = await engine._run_in_pool(statement.postgres, args)
            return records
    elif isinstance(engine, PooledSQLiteEngine) and engine._pooled():
        read = (
            engine.read_inline(statement.sqlite, args, statement.times, statement.positional)
            if statement.inline
            else None
        )
        if read is not None:
            return read
        return _as_asked(statement, await engine._run_pooled(statement.sqlite, args))
    rows: Sequence[Any] = await engine.run_querystring(QueryString(statement.template, *args))
    return _as_asked(statement, rows)


def _as_asked(statement: Statement, rows: Sequence[Any]) -> Sequence[Any]:
    """Piccolo's rows (dicts, in column order) as the statement reads them."""
    return [tuple(row.values()) for row in rows] if statement.positional else rows
