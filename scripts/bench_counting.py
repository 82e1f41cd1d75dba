"""Run a `portal` command (serve) with its database statements and round trips counted, for
the benchmarks (`scripts/bench_writes.py`): `python scripts/bench_counting.py serve …`.

The local PostgreSQL has no `pg_stat_statements` (it is not in `shared_preload_libraries`,
and the server is shared), so the counting is done in the app process, by wrapping the
drivers before the portal is imported. Nothing in the app knows: the same launcher counts an
older commit's code (`bench_writes.py --baseline REF`, run from that commit's worktree).

- PostgreSQL (asyncpg): every `Connection.execute` without arguments (a simple query: BEGIN,
  COMMIT, ROLLBACK, SAVEPOINT …) and every prepared-statement execution (`_execute`, what
  `fetch*` and `execute` with arguments use; `_executemany`) is one round trip. Statements
  are those that are not transaction control. (A statement's first use on a connection also
  sends a Parse, answered before it runs: once per connection and statement, not counted.)
- SQLite (aiosqlite): statements by sqlite3's trace callback on every connection (exact,
  transaction control apart as above), the event loop's own included (short reads run
  there: lib.sqlite.PooledSQLiteEngine.read_inline); round trips are the hops to a connection's
  thread (aiosqlite's `_execute`), which is what a statement costs the event loop.

`kill -RTMIN <pid>` writes the counts so far as JSON to `$BENCH_COUNT_FILE`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END")
counts = {"statements": 0, "round_trips": 0, "transactions": 0}
LOG: list[str] | None = [] if os.environ.get("BENCH_STATEMENT_LOG") else None
"""BENCH_STATEMENT_LOG=1: every statement's text is written too (to see what a request runs)."""


def _statement(sql: str) -> None:
    if LOG is not None:
        LOG.append(" ".join(sql.split())[:300])
    head = sql.lstrip()[:9].upper()
    if head.startswith(CONTROL):
        if head.startswith("BEGIN"):
            counts["transactions"] += 1
    else:
        counts["statements"] += 1


def _count_asyncpg() -> None:
    from asyncpg.connection import Connection

    execute, prepared, many = Connection.execute, Connection._execute, Connection._executemany

    async def counted_execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            counts["round_trips"] += 1
            _statement(query)
        return await execute(self, query, *args, **kwargs)

    async def counted_prepared(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        counts["round_trips"] += 1
        _statement(query if isinstance(query, str) else "")
        return await prepared(self, query, *args, **kwargs)

    async def counted_many(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        counts["round_trips"] += 1
        _statement(query)
        return await many(self, query, *args, **kwargs)

    Connection.execute = counted_execute  # type: ignore[method-assign]
    Connection._execute = counted_prepared  # type: ignore[method-assign]
    Connection._executemany = counted_many  # type: ignore[method-assign]


class _TracedConnection(sqlite3.Connection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_trace_callback(_statement)


def _count_aiosqlite() -> None:
    import aiosqlite
    from aiosqlite.core import Connection

    connect, hop = aiosqlite.connect, Connection._execute

    def counted_connect(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("factory", _TracedConnection)
        return connect(*args, **kwargs)

    async def counted_hop(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts["round_trips"] += 1
        return await hop(self, fn, *args, **kwargs)

    def traced_connect(*args: Any, **kwargs: Any) -> Any:  # the loop's own connection
        kwargs.setdefault("factory", _TracedConnection)
        return plain_connect(*args, **kwargs)

    plain_connect = sqlite3.connect
    aiosqlite.connect = counted_connect
    sqlite3.connect = traced_connect
    Connection._execute = counted_hop  # type: ignore[method-assign]


def _dump(*_: Any) -> None:
    target = Path(os.environ["BENCH_COUNT_FILE"])
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps({**counts, "log": LOG} if LOG is not None else counts))
    partial.replace(target)


def main() -> None:
    _count_asyncpg()
    _count_aiosqlite()
    signal.signal(signal.SIGRTMIN, _dump)  # USR1 and USR2 are `portal serve`'s own
    sys.path.insert(0, os.getcwd())  # the checkout being measured, not this script's
    from backend.cli import main as portal

    sys.argv = ["portal", *sys.argv[1:]]
    if not os.environ.get("BENCH_PROFILE"):
        portal()
        return
    import cProfile  # BENCH_PROFILE=file: the whole run profiled, written at the stop

    profile = cProfile.Profile()
    try:
        profile.runcall(portal, standalone_mode=False)
    finally:
        profile.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    main()
