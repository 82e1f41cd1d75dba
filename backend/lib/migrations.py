"""Run and check Piccolo migrations for every app, on whichever engine is configured."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator

from piccolo.apps.migrations.commands.check import CheckMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards

from backend.lib.db import current_engine, is_postgres

__all__ = ["MigrationFailedError", "apply_migrations", "pending_migrations"]

MIGRATION_LOCK_KEY = 0x706F7274616C
"""PostgreSQL advisory-lock key ("portal"): two nodes running `portal migrate` at once queue."""


class MigrationFailedError(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def _migration_lock() -> AsyncIterator[None]:
    """Hold a PostgreSQL advisory lock on a connection of its own while migrating."""
    engine = current_engine()
    if not is_postgres():
        yield
        return
    import asyncpg

    conn = await asyncpg.connect(dsn=engine.config["dsn"])  # type: ignore[attr-defined]
    try:
        await conn.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        yield
    finally:
        await conn.close()  # closing the session releases the lock


async def apply_migrations(*, verbose: bool = False) -> None:
    """Apply every pending migration; a no-op when all have run."""
    if not is_postgres():
        # WAL lets readers go on while one writer writes: the right mode for a web app.
        await current_engine().run_ddl("PRAGMA journal_mode=WAL")
    out = io.StringIO()
    async with _migration_lock():
        with contextlib.redirect_stdout(out) if not verbose else contextlib.nullcontext():
            result = await run_forwards(app_name="all")
    if not result.success:
        raise MigrationFailedError(result.message or out.getvalue())


async def pending_migrations() -> list[str]:
    """`app:migration_id` for each migration not yet applied."""
    with contextlib.redirect_stdout(io.StringIO()):
        statuses = await CheckMigrationManager(app_name="all").get_migration_statuses()
    return [f"{s.app_name}:{s.migration_id}" for s in statuses if not s.has_ran]
