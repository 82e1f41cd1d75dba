"""The test databases: where PostgreSQL is, and what a test database is."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asyncpg.pool import Pool
from piccolo.engine.base import Engine

from backend.lib.postgres import PortalPostgresEngine
from backend.lib.sqlite import SQLITE_BUSY_TIMEOUT_S, PooledSQLiteEngine

__all__ = ["ORIGIN", "PG_ADMIN_DSN", "Database", "engine_for"]


PG_ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
"""A PostgreSQL database we may connect to in order to create throw-away test databases."""


ORIGIN = "http://portal.localhost:8000"


@dataclass
class Database:
    kind: str
    url: str
    var_dir: Path
    snapshot: dict[str, list[dict[str, Any]]]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _TestPostgresEngine(PortalPostgresEngine):
    """The portal's engine, whose pool serves only the event loop that opened it: elsewhere
    (`asyncio.run` in a sync test or a thread, another client's loop) a statement opens a
    connection of its own, as with no pool."""

    @property  # type: ignore[override]
    def pool(self) -> Pool | None:
        pool: Pool | None = self.__dict__.get("_pool")
        if pool is None or pool._loop is not _running_loop():
            return None
        return pool

    @pool.setter
    def pool(self, value: Pool | None) -> None:
        self.__dict__["_pool"] = value


class _TestSQLiteEngine(PooledSQLiteEngine):
    """The portal's SQLite engine, whose kept connections serve only the event loop that
    started the pool (its semaphore belongs to that loop)."""

    def start_pool(self, size: int) -> None:
        super().start_pool(size)
        self.__dict__["_slots_loop"] = _running_loop()

    @property  # type: ignore[override]
    def _slots(self) -> asyncio.Semaphore | None:
        slots: asyncio.Semaphore | None = self.__dict__.get("_kept_slots")
        if slots is None or self.__dict__.get("_slots_loop") is not _running_loop():
            return None
        return slots

    @_slots.setter
    def _slots(self, value: asyncio.Semaphore | None) -> None:
        self.__dict__["_kept_slots"] = value


_ENGINES: dict[str, Engine[Any]] = {}


def engine_for(db: Database) -> Engine[Any]:
    """The engine on `db`, one per database for the whole run: the tests bind it and the
    apps built on `db` bind it too, so that the pool the `db` fixture opens for an async test
    serves the test's statements and its requests alike."""
    if db.url not in _ENGINES:
        _ENGINES[db.url] = (
            _TestPostgresEngine(config={"dsn": db.url})
            if db.kind == "postgres"
            else _TestSQLiteEngine(
                path=db.url.removeprefix("sqlite:///"), timeout=SQLITE_BUSY_TIMEOUT_S
            )
        )
    return _ENGINES[db.url]


async def locks_waiting() -> int:
    """Backends of the test's PostgreSQL database waiting for a lock another holds."""
    from piccolo.querystring import QueryString

    from backend.lib.db import current_engine

    rows = await current_engine().run_querystring(
        QueryString(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
    )
    return int(rows[0]["n"])


async def until_a_lock_waits(db: Database, timeout_s: float = 10.0) -> None:
    """Until a backend of the test's PostgreSQL database waits for a lock another holds (a
    writer queued behind another); on SQLite, whose writers queue on the file, a moment."""
    if db.kind != "postgres":
        await asyncio.sleep(0.3)
        return
    async with asyncio.timeout(timeout_s):
        while True:
            if await locks_waiting():
                return
            await asyncio.sleep(0.02)
