"""Run and check Piccolo migrations for every app, on whichever engine is configured."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from piccolo.apps.migrations.commands.check import CheckMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards

from backend.lib.db import current_engine, is_postgres

if TYPE_CHECKING:
    import aiosqlite

__all__ = [
    "MigrationFailedError",
    "apply_migrations",
    "pending_migrations",
    "rebuild_sqlite_table",
]

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


def _top_level_parts(text: str) -> list[str]:
    """`text` split at the commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for at, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:at].strip())
            start = at + 1
    parts.append(text[start:].strip())
    return parts


_TABLE_CONSTRAINTS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def _column_name(definition: str) -> str:
    return definition.split()[0].strip('"`[]')


async def rebuild_sqlite_table(
    conn: aiosqlite.Connection,
    table: str,
    *,
    drop: Sequence[str] = (),
    unique: Sequence[str] = (),
) -> None:
    """Rebuild `table` without the columns `drop`, making the columns `unique` UNIQUE: what
    SQLite's ALTER TABLE cannot do (it drops no UNIQUE column and adds none). The steps of
    SQLite's own recipe (https://www.sqlite.org/lang_altertable.html#otheralter): run it in a
    transaction on a connection with foreign keys off (`PRAGMA foreign_keys = OFF` before
    BEGIN), else dropping the old table would cascade to every row that refers to it."""
    rows = await conn.execute_fetchall(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", (table,)
    )
    create = next(r[1] for r in rows if r[0] == "table")
    indexes = [r[1] for r in rows if r[0] == "index"]
    body = create.partition("(")[2].rstrip().removesuffix(")")
    kept: list[str] = []
    for definition in _top_level_parts(body):
        name = _column_name(definition)
        if name.upper() in _TABLE_CONSTRAINTS:
            if any(f'"{column}"' in definition for column in drop):
                raise MigrationFailedError(f"{table}: a constraint names a dropped column")
            kept.append(definition)
            continue
        if name in drop:
            continue
        if name in unique and " UNIQUE" not in definition.upper():
            column, _, rest = definition.partition(" ")
            kind, _, rest = rest.partition(" ")
            definition = f"{column} {kind} UNIQUE {rest}".strip()
        kept.append(definition)
    columns = ", ".join(
        f'"{_column_name(d)}"' for d in kept if _column_name(d).upper() not in _TABLE_CONSTRAINTS
    )
    await conn.execute(f'CREATE TABLE "{table}__new" ({", ".join(kept)})')
    await conn.execute(
        f'INSERT INTO "{table}__new" ({columns}) SELECT {columns} FROM "{table}"'  # noqa: S608
    )
    await conn.execute(f'DROP TABLE "{table}"')
    await conn.execute(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for index in indexes:
        if not any(f'"{name}"' in index or f" {name}" in index for name in drop):
            await conn.execute(index)
    broken = await conn.execute_fetchall("PRAGMA foreign_key_check")
    if broken:
        raise MigrationFailedError(f"rebuilding {table} broke foreign keys: {list(broken)[:3]}")
