"""Tables that moved between Piccolo apps keep their names and their rows: a database
migrated and filled by the code before the move (commit BEFORE_MOVE: `audit_log` in the
privacy app, `outbox` in notifications) migrates forward to the system app's ownership, on
SQLite and PostgreSQL, with every row kept and nothing pending."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.settings import ROOT
from tests.support.migrations import old_backend, portal_at, run_sql, throwaway_database

pytestmark = pytest.mark.slow

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


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from throwaway_database(request.param, tmp_path)


def test_moved_tables_keep_their_rows(database: str, tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    portal_at(old_backend(BEFORE_MOVE, tmp_path), database, var_dir, "migrate")
    asyncio.run(run_sql(database, FILL))

    assert "applied" in portal_at(ROOT, database, var_dir, "migrate")  # the moves, and later ones
    assert "migrations: all applied" in portal_at(ROOT, database, var_dir, "check")

    audit = asyncio.run(run_sql(database, "SELECT action, subject_account_id, ip FROM audit_log"))
    assert audit == [{"action": "account.enrolled", "subject_account_id": 7, "ip": "203.0.113.9"}]
    outbox = asyncio.run(run_sql(database, "SELECT kind, payload, dedupe_key FROM outbox"))
    assert outbox == [{"kind": "webpush", "payload": '{"a": 1}', "dedupe_key": "moved:1"}]
    apps = asyncio.run(
        run_sql(database, "SELECT app_name, name FROM migration WHERE name LIKE '2026-12-02%'")
    )
    assert sorted(r["app_name"] for r in apps) == ["notifications", "privacy", "system"]
