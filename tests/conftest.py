"""Fixtures: every database test runs on SQLite and on PostgreSQL.

Each engine gets a fresh database migrated once per session by the real `portal migrate`
command and loaded with the demo catalog by `portal demo`. Before each test every table is
emptied and the catalog snapshot is restored, so tests neither see nor leak each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from backend import domains
from backend.asgi import create_app
from backend.lib.db import all_tables, bind_engine, close_pool, open_pool
from backend.lib.idcrypt import bind_keys
from backend.settings import ROOT, Settings
from backend.system import hotcache
from tests.support.client import PortalClient
from tests.support.database import ORIGIN, PG_ADMIN_DSN, Database, engine_for
from tests.support.notifications import end_leftover_workers

domains.install()  # services called without an app publish to the domains' listeners
CATALOG_TABLES = ("agency", "document_type", "service")


def _portal(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"portal {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _postgres_problem() -> str | None:
    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}"
    return None


async def _snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    return {
        t: [dict(r) for r in await engine.run_ddl(f"SELECT * FROM {t} ORDER BY id")]
        for t in CATALOG_TABLES
    }


def _create_database(kind: str, tmp: Path) -> Database:
    var_dir = tmp / kind
    var_dir.mkdir()
    if kind == "sqlite":
        url = f"sqlite:///{var_dir / 'portal.sqlite3'}"
    else:
        name = f"portal_test_{uuid.uuid4().hex[:10]}"

        async def create() -> None:
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()

        asyncio.run(create())
        url = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    env = {"DATABASE_URL": url, "VAR_DIR": str(var_dir)}
    _portal(["migrate"], env)
    _portal(["demo"], env)
    db = Database(kind=kind, url=url, var_dir=var_dir, snapshot={})
    db.snapshot = asyncio.run(_snapshot(engine_for(db)))
    return db


def _drop_database(db: Database) -> None:
    if db.kind != "postgres":
        return
    name = db.url.rsplit("/", 1)[1]

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database | str]]:
    """Both engines, migrated and loaded once; a string in place of one says why it is absent."""
    tmp = tmp_path_factory.mktemp("db")
    found: dict[str, Database | str] = {"sqlite": _create_database("sqlite", tmp)}
    problem = _postgres_problem()
    if problem is None:
        found["postgres"] = _create_database("postgres", tmp)
    elif os.environ.get("CI"):
        pytest.fail(f"{problem} (CI requires PostgreSQL; .ci/run starts it)", pytrace=False)
    else:
        found["postgres"] = problem
    yield found
    for db in found.values():
        if isinstance(db, Database):
            _drop_database(db)


async def _reset(engine: Engine, db: Database) -> None:
    """Empty every table, then restore the demo catalog with its original ids."""
    if db.kind == "postgres":
        await _reset_postgres(db)
        return
    # One connection with foreign keys off, so the order of deletes does not matter.
    import aiosqlite

    async with aiosqlite.connect(db.url.removeprefix("sqlite:///")) as conn:
        await conn.execute("PRAGMA foreign_keys = OFF")
        for table in _tables():
            await conn.execute(f"DELETE FROM {table}")
        await conn.commit()
    for table in CATALOG_TABLES:
        rows = db.snapshot[table]
        columns = list(rows[0])
        values = ", ".join("(" + ", ".join("{}" for _ in columns) + ")" for _ in rows)
        args = [row[c] for row in rows for c in columns]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"
        await engine.run_querystring(QueryString(sql, *args))


async def _reset_postgres(db: Database) -> None:
    """In one connection and transaction: DELETE with foreign-key triggers off (a test leaves
    most tables empty, where TRUNCATE costs a file swap per table: 150 ms a test against
    20 ms for this), sequences back to 1, the catalog back with its ids."""
    conn = await asyncpg.connect(db.url)
    try:
        async with conn.transaction():
            await conn.execute(
                "SET LOCAL session_replication_role = replica;"
                + "".join(f"DELETE FROM {table};" for table in _tables())
                + "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S';"
            )
            for table in CATALOG_TABLES:
                rows = db.snapshot[table]
                columns = list(rows[0])
                marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(row[c] for c in columns) for row in rows],
                )
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
    finally:
        await conn.close()


def _tables() -> list[str]:
    return [t._meta.tablename for t in all_tables()]


@pytest.fixture(params=["sqlite", "postgres"])
async def db(
    request: pytest.FixtureRequest, databases: dict[str, Database | str]
) -> AsyncIterator[Database]:
    """A clean database with the demo catalog, bound to every table; runs once per engine.
    An async test's engine has a pool, as a server's has (a new connection per statement cost
    more than the tests' statements); sync tests run their statements on loops of their own."""
    found = databases[request.param]
    if isinstance(found, str):
        pytest.skip(found)
    engine = engine_for(found)
    await _reset(engine, found)
    hotcache._CACHES.clear()  # apps outlive a test (`_built_app`); their memory must not
    bind_engine(engine)
    # The national-ID keys of the database's VAR_DIR, which `portal migrate` and `portal demo`
    # (and a live server, a worker) use too: as the app binds its settings' keys.
    bind_keys(Settings(database_url=found.url, var_dir=str(found.var_dir)))
    pooled = request.node.get_closest_marker("asyncio") is not None
    if pooled:
        await open_pool(engine, 1, 8)
    yield found
    if pooled:
        await close_pool(engine)


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        database_url=db.url,
        var_dir=str(db.var_dir),
        public_origin=ORIGIN,
        log_json=True,
        log_level="WARNING",
    )


_APPS: dict[tuple[bytes, int], Litestar] = {}


def _built_app(settings: Settings, db: Database, instance: int = 0) -> Litestar:
    """The app for these settings, built once per test session (building one costs ~0.15 s,
    ~1 000 times a run). Apps keep no state between tests: everything they hold is in the
    database, which `db` empties; `instance` tells apart the app processes of one test."""
    key = (msgspec.json.encode(settings), instance)
    if key not in _APPS:
        _APPS[key] = create_app(settings=settings, engine=engine_for(db), pool=False)
    return _APPS[key]


@pytest.fixture
def app(settings: Settings, db: Database) -> Litestar:
    return _built_app(settings, db)


@pytest.fixture
def make_client(settings: Settings, db: Database) -> Callable[[], PortalClient]:
    """Another browser/device: its own cookie jar, and its own app instance (as another app
    process behind the proxy would be), sharing only the database."""
    made = 0

    def make() -> PortalClient:
        nonlocal made
        made += 1
        return PortalClient(app=_built_app(settings, db, made), base_url=ORIGIN)

    return make


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[PortalClient]:
    async with PortalClient(app=app, base_url=ORIGIN) as client:
        yield client


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test() -> Iterator[None]:
    yield
    end_leftover_workers()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow files first, browser tests last. Last: Playwright's sync API keeps an event loop
    running in the main thread from its first use, which the asyncio tests could not share
    (the Makefile keeps this order: xdist's `--no-loadscope-reorder`). Slow first: xdist
    hands files out in this order, so the run ends on short files on every worker."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None,
            item.get_closest_marker("slow") is None,
        )
    )
