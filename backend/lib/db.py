"""Choose and bind the database engine.

Piccolo tables look up their engine lazily through `piccolo_conf`; `bind_engine` points every
registered table at one engine explicitly, which is how tests run the same code against SQLite
and PostgreSQL in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

if TYPE_CHECKING:
    from piccolo.engine.base import Engine
    from piccolo.table import Table

    from backend.settings import Settings

__all__ = [
    "all_tables",
    "bind_engine",
    "close_pool",
    "current_engine",
    "is_postgres",
    "make_engine",
    "open_pool",
    "transaction",
    "write_transaction",
]

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite writer waits for the lock before failing; one-server deployments only."""

_bound: Engine[Any] | None = None


def make_engine(settings: Settings) -> Engine[Any]:
    """An unconnected engine for the configured database."""
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///")).resolve()
    else:
        path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)


def all_tables() -> Iterator[type[Table]]:
    from backend.piccolo_conf import APP_REGISTRY

    for config in APP_REGISTRY.app_configs.values():
        yield from config.table_classes


def bind_engine(engine: Engine[Any]) -> None:
    """Make every table (and `current_engine`) use `engine`."""
    global _bound
    _bound = engine
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine[Any]:
    if _bound is None:
        from backend.piccolo_conf import DB

        bind_engine(DB)
    assert _bound is not None
    return _bound


def transaction() -> Any:
    """`async with transaction():` on the bound engine. Nested calls join the outer one."""
    return current_engine().transaction()


def write_transaction() -> Any:
    """A transaction that will write. On SQLite it takes the write lock at BEGIN (IMMEDIATE),
    so two writers queue instead of one failing with "database is locked" on upgrade; on
    PostgreSQL it is an ordinary transaction (rows are locked with SELECT … FOR UPDATE)."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def open_pool(engine: Engine[Any], min_size: int, max_size: int) -> None:
    """Start PostgreSQL's connection pool (SQLite opens a connection per query instead)."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=min_size, max_size=max_size)


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def is_postgres() -> bool:
    return isinstance(current_engine(), PostgresEngine)
