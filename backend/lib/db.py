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
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from backend.lib.postgres import PortalPostgresEngine
from backend.lib.sqlite import SQLITE_BUSY_TIMEOUT_S, SQLITE_POOL_SIZE, PooledSQLiteEngine

if TYPE_CHECKING:
    from piccolo.engine.base import Engine
    from piccolo.query.methods.select import Select
    from piccolo.table import Table

    from backend.settings import Settings

__all__ = [
    "PerEngine",
    "all_tables",
    "before_commit",
    "bind_engine",
    "close_pool",
    "commits_flushed",
    "current_engine",
    "defer_write",
    "deferring",
    "is_postgres",
    "locking",
    "make_engine",
    "one_at_a_time",
    "open_pool",
    "take_deferred_writes",
    "transaction",
    "write_transaction",
]

_bound: Engine[Any] | None = None

T = TypeVar("T")


class PerEngine(Generic[T]):
    """One `make()` per engine: one per process, but tests run several. The engine is held,
    so its id is not reused while its value lives."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._held: dict[int, tuple[Engine[Any], T]] = {}

    def __call__(self, engine: Engine[Any]) -> T:
        held = self._held.get(id(engine))
        if held is None:
            held = self._held[id(engine)] = (engine, self._make())
        return held[1]

    def clear(self) -> None:
        self._held.clear()


def make_engine(settings: Settings, *, flushed_commits: bool = True) -> Engine[Any]:
    """An unconnected engine for the configured database. `flushed_commits=False` (the
    outbox worker's): on PostgreSQL its commits do not wait for their WAL to reach the disk
    (`synchronous_commit = off`, an fsync's CPU and wait per claim and result). A database
    crash may then forget the last ~0.6 s of them: in log order, so a handler's writes are
    forgotten only with its result, and those messages are sent again, as when a worker is
    killed mid-batch (at least once). A transaction that takes a change number commits
    flushed all the same (system.counters: a number others may have read is never given
    again), as do the app's, which queue the messages. Not through a transaction pooler,
    which may refuse the setting."""
    if settings.is_postgres:
        config: dict[str, Any] = {"dsn": settings.database_url}
        if settings.db_transaction_pooler:
            # Each statement may run on another server connection: no named statements.
            config["statement_cache_size"] = 0
        elif not flushed_commits:
            config["server_settings"] = {"synchronous_commit": "off"}
        return PortalPostgresEngine(config=config)
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///")).resolve()
    else:
        path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)


def commits_flushed(engine: Engine[Any]) -> bool:
    """Whether the engine's commits wait for the disk (all but the outbox worker's:
    `make_engine`'s `flushed_commits`)."""
    settings = getattr(engine, "config", {}).get("server_settings") or {}
    return settings.get("synchronous_commit") != "off"


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

    __slots__ = ("claimed", "jobs", "turns", "writes")

    def __init__(self) -> None:
        self.jobs: list[Callable[[], Awaitable[None]]] = []
        self.writes: list[QueryString] = []
        self.claimed: set[str] = set()
        self.turns: dict[str, asyncio.Lock | None] = {}
        """`one_at_a_time`'s locks this transaction holds until it ends (None: it waited
        too long and went on without, so it never waits for that one again)."""


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
        for lock in ending.turns.values():  # committed or rolled back: the row is free
            if lock is not None:
                lock.release()
        _ending.reset(token)


TURN_WAIT_S = 1.0
"""The longest a transaction waits for its turn in the process before it waits on the row in
PostgreSQL as before. A turn is held for milliseconds; longer, the holder may be waiting on
a row this transaction locked (a writer that took its number before locking what it
changes), a deadlock that PostgreSQL's detector (after its own 1 s) ends with an error, where
the process alone would wait forever."""

_Locks = dict[str, asyncio.Lock]
_TURNS: PerEngine[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Locks]] = PerEngine(
    weakref.WeakKeyDictionary
)
"""`one_at_a_time`'s locks, by event loop (a lock is bound to the loop it first waits on, and
tests run one engine on several loops) and name."""


async def one_at_a_time(name: str) -> None:
    """From here until the current transaction ends, the only one of this process at `name`:
    a hot row the transaction locks until commit (the change counter, which orders every
    write). The others wait here, in the event loop, instead of queueing on the row's lock in
    PostgreSQL, where 20 writers waiting on it cost the database a third more CPU per write
    (`make bench-writes`). The row's lock is held just as long, so no write waits longer.
    After its turn a transaction should write only rows it locked before and new ones; one
    that waits on another's row meanwhile makes that other wait here TURN_WAIT_S, then on the
    row in PostgreSQL, whose deadlock detector ends the cycle as before. No-op on SQLite (its
    writers take turns already), outside `transaction()`, or when the transaction has its
    turn."""
    ending = _ending.get()
    if ending is None or name in ending.turns or not is_postgres():
        return
    locks = _TURNS(current_engine()).setdefault(asyncio.get_running_loop(), {})
    lock = locks.get(name) or locks.setdefault(name, asyncio.Lock())
    try:
        async with asyncio.timeout(TURN_WAIT_S):
            await lock.acquire()
    except TimeoutError:
        # Wait on the row in PostgreSQL, which sees a deadlock this could not; and never
        # here again in this transaction: it may hold the row by then, and the next in the
        # process wait for it there.
        ending.turns[name] = None
        return
    ending.turns[name] = lock


Q = TypeVar("Q", bound="Select[Any]")


def locking(query: Q, lock: bool = True) -> Q:
    """The rows read and locked for the transaction in one statement (`FOR UPDATE`) on
    PostgreSQL; SQLite's write transaction holds the whole database already."""
    return query.lock_rows() if lock and is_postgres() else query


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
