"""Tables that moved between Piccolo apps keep their names and their rows: a database
migrated and filled by the code before the move (commit BEFORE_MOVE: `audit_log` in the
privacy app, `outbox` in notifications) migrates forward to the system app's ownership, on
SQLite and PostgreSQL, with every row kept and nothing pending."""

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

BEFORE_MOVE = "4aa721710d2e7833edb0fd995e666e8f1bb0a20b"
"""The last commit with audit_log and outbox in their old apps."""

FILL = """
INSERT INTO audit_log (at, action, actor_account_id, actor_role, subject_account_id,
  object_type, object_id, kiosk_id, ip, detail)
VALUES ('2026-11-30T10:00:00+00:00', 'account.enrolled', NULL, 'citizen', 7, 'account', '7',
  NULL, '203.0.113.9', '{}');
INSERT INTO outbox (kind, payload, status, attempts, next_attempt_at, created_at, dedupe_key)
VALUES ('webpush', '{"a": 1}', 'pending', 0, '2026-11-30T10:00:00+00:00',
  '2026-11-30T10:00:00+00:00', 'moved:1');
"""


def _old_code(tmp: Path) -> Path:
    """The backend as it was at BEFORE_MOVE, from this repository's history."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", BEFORE_MOVE, "backend"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"commit {BEFORE_MOVE} is needed (a full clone, not a shallow one): "
        f"{archive.stderr.decode()}"
    )
    target = tmp / "before"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _portal(code: Path, url: str, var_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env={**os.environ, "PYTHONPATH": str(code), "DATABASE_URL": url, "VAR_DIR": str(var_dir)},
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'moved.sqlite3'}"
        return
    name = f"portal_moves_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _run(url: str, sql: str) -> list[dict[str, object]]:
    if url.startswith("sqlite:///"):
        import aiosqlite

        async with aiosqlite.connect(url.removeprefix("sqlite:///")) as conn:
            conn.row_factory = aiosqlite.Row
            cursor = await conn.executescript(sql) if ";" in sql else await conn.execute(sql)
            rows = [dict(r) for r in await cursor.fetchall()]
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


def test_moved_tables_keep_their_rows(database: str, tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    _portal(_old_code(tmp_path), database, var_dir, "migrate")
    asyncio.run(_run(database, FILL))

    assert "applied" in _portal(ROOT, database, var_dir, "migrate")  # the moves, and later ones
    assert "migrations: all applied" in _portal(ROOT, database, var_dir, "check")

    audit = asyncio.run(_run(database, "SELECT action, subject_account_id, ip FROM audit_log"))
    assert audit == [{"action": "account.enrolled", "subject_account_id": 7, "ip": "203.0.113.9"}]
    outbox = asyncio.run(_run(database, "SELECT kind, payload, dedupe_key FROM outbox"))
    assert outbox == [{"kind": "webpush", "payload": '{"a": 1}', "dedupe_key": "moved:1"}]
    apps = asyncio.run(
        _run(database, "SELECT app_name, name FROM migration WHERE name LIKE '2026-12-02%'")
    )
    assert sorted(r["app_name"] for r in apps) == ["notifications", "privacy", "system"]
