"""Databases made by older code: the backend as it was at a commit of this repository's
history, run as `portal` commands on a throw-away SQLite file or PostgreSQL database, so a
migration is tested on data the code before it wrote."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import asyncpg
import pytest

from backend.settings import ROOT
from tests.support.database import PG_ADMIN_DSN

__all__ = ["old_backend", "portal_at", "run_sql", "throwaway_database"]


_EXTRACTED: dict[str, Path] = {}


def old_backend(commit: str, tmp: Path) -> Path:
    """The backend as it was at `commit`, from this repository's history: extracted once per
    test process (into the first asker's `tmp`, kept to the end of the run), so its second
    engine's run finds the bytecode the first compiled."""
    if commit in _EXTRACTED:
        return _EXTRACTED[commit]
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "backend"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"commit {commit} is needed (a full clone, not a shallow one): {archive.stderr.decode()}"
    )
    target = tmp / f"backend-{commit[:10]}"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    _EXTRACTED[commit] = target
    return target


def portal_at(code: Path, url: str, var_dir: Path, *args: str, ok: bool = True, **env: str) -> str:
    """`portal ARGS` run by the backend in `code` (ROOT: this checkout's) on `url`, with
    more environment variables `env`; its output and errors."""
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env={
            **os.environ,
            "PYTHONPATH": str(code),
            "DATABASE_URL": url,
            "VAR_DIR": str(var_dir),
            **env,
        },
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result.stdout + result.stderr


def throwaway_database(kind: str, tmp: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` (sqlite or postgres), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'old.sqlite3'}"
        return
    name = f"portal_old_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        try:
            conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        except OSError as exc:
            pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def run_sql(url: str, sql: str) -> list[dict[str, object]]:
    """Several statements (`;`, no results), or one query's rows, straight on the database."""
    if url.startswith("sqlite:///"):
        import aiosqlite

        async with aiosqlite.connect(url.removeprefix("sqlite:///")) as conn:
            conn.row_factory = aiosqlite.Row
            if ";" in sql:
                await conn.executescript(sql)
                rows = []
            else:
                rows = [dict(r) for r in await conn.execute_fetchall(sql)]
            await conn.commit()
            return rows
    conn = await asyncpg.connect(url)
    try:
        if ";" in sql:
            await conn.execute(sql)
            return []
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()
