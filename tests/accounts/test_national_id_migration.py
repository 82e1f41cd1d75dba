"""Upgrading a portal that kept national IDs in clear: a database migrated and filled by the
code before encryption (commit BEFORE: the demo's citizens and applications, a frozen
account's claimed number, an enrolment half-way, an enrolment rate limit, a stored idempotent
response) migrates to sealed numbers and blind indexes on SQLite and PostgreSQL. Afterwards no
column holds a number in clear, each opens with the key made in VAR_DIR, `portal check`
agrees, the demo finds its citizens again, and rotating the key keeps every number readable."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.accounts.national_ids import CEREMONY, DISPUTED, NATIONAL_ID
from backend.applications.answers import PLACE as ANSWERS
from backend.lib import idcrypt
from backend.lib.keyfile import new_key
from backend.settings import ROOT, Settings
from backend.system.idempotency import RESPONSE
from tests.support.migrations import old_backend, portal_at, run_sql, throwaway_database

pytestmark = pytest.mark.slow

BEFORE = "2eb7278b114823d28b3ea5002e8f1b1b533b9617"
"""Main when national IDs were still stored in clear."""

DEMO = ("1101700207030", "3100600445767")
"""The demo citizens' numbers (backend/applications/demo.py at BEFORE)."""
FROZEN, HALF_WAY = "1234567890121", "1509901234568"

FILL = f"""
INSERT INTO account (user_handle, role, national_id, full_name, phone, address, language,
  assurance, assurance_provider, frozen_reason, disputed_national_id, created_at, disabled_at)
VALUES ('frozen-handle', 'citizen', NULL, 'คนแอบอ้าง', '', '', 'th', 'self_asserted', '',
  'identity_disputed', '{FROZEN}', '2026-12-01T10:00:00+00:00', '2026-12-02T10:00:00+00:00');
INSERT INTO session (token_hash, account, role, csrf_token, created_at, last_seen_at,
  expires_at, idle_timeout_s, ip, user_agent)
VALUES ('half-way-session', NULL, '', 'csrf', '2026-12-04T10:00:00+00:00',
  '2026-12-04T10:00:00+00:00', '2026-12-05T10:00:00+00:00', 3600, '', '');
INSERT INTO webauthn_challenge (session, purpose, challenge, data, created_at)
SELECT id, 'enrol', 'Y2hhbGxlbmdl',
  '{{"national_id": "{HALF_WAY}", "full_name": "ครึ่ง ทาง", "user_handle": "h"}}',
  '2026-12-04T10:00:00+00:00' FROM session WHERE token_hash = 'half-way-session';
INSERT INTO rate_limit (key, window_start, hits) VALUES ('enrol:id:{HALF_WAY}', 1, 2);
INSERT INTO idempotency_record (scope_key, request_hash, status_code, response, created_at)
VALUES ('citizen:1:key-1', 'hash', 201, '{{"answers": {{"national_id": "{DEMO[0]}"}}}}',
  '2026-12-04T10:00:00+00:00');
"""
NUMBERS = (*DEMO, FROZEN, HALF_WAY)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from throwaway_database(request.param, tmp_path)


async def _tables(url: str) -> list[str]:
    if url.startswith("sqlite:///"):
        rows = await run_sql(url, "SELECT name FROM sqlite_master WHERE type = 'table'")
        return [str(r["name"]) for r in rows if not str(r["name"]).startswith("sqlite_")]
    rows = await run_sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return [str(r["tablename"]) for r in rows]


async def _in_clear(url: str) -> list[tuple[str, str]]:
    """(table, column) of every value that holds one of the numbers in clear."""
    found = []
    for table in await _tables(url):
        for row in await run_sql(url, f'SELECT * FROM "{table}"'):
            found += [
                (table, column)
                for column, value in row.items()
                for number in NUMBERS
                if number in (value.decode("latin-1") if isinstance(value, bytes) else str(value))
            ]
    return found


def _one(rows: list[dict[str, object]]) -> dict[str, object]:
    assert len(rows) == 1, rows
    return rows[0]


def test_existing_numbers_are_encrypted_and_stay_readable(database: str, tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    before = old_backend(BEFORE, tmp_path)
    portal_at(before, database, var_dir, "migrate")
    demo_before = portal_at(before, database, var_dir, "demo")
    asyncio.run(run_sql(database, FILL))
    assert len(asyncio.run(_in_clear(database))) >= 6  # accounts, answers and the rest

    migrated = portal_at(ROOT, database, var_dir, "migrate")
    # The encryption's three migrations, and any later ones.
    assert re.search(r"applied ([3-9]|[1-9][0-9]+) migration\(s\)", migrated), migrated
    checked = portal_at(ROOT, database, var_dir, "check")
    assert "national IDs: 9 encrypted values readable" in checked, checked
    assert asyncio.run(_in_clear(database)) == []

    settings = Settings(database_url=database, var_dir=str(var_dir))
    sealer, index = idcrypt.sealer(settings), idcrypt.blind_index(settings)
    accounts = asyncio.run(
        run_sql(
            database,
            "SELECT national_id_sealed, national_id_index, disputed_national_id_sealed "
            "FROM account ORDER BY id",
        )
    )
    citizens = [a for a in accounts if a["national_id_sealed"]]
    assert [sealer.open(str(a["national_id_sealed"]), place=NATIONAL_ID) for a in citizens] == [
        *DEMO
    ]
    assert [a["national_id_index"] for a in citizens] == [index(n) for n in DEMO]
    frozen = _one([a for a in accounts if a["disputed_national_id_sealed"]])
    assert sealer.open(str(frozen["disputed_national_id_sealed"]), place=DISPUTED) == FROZEN
    assert frozen["national_id_index"] is None

    answers = asyncio.run(run_sql(database, "SELECT answers FROM application ORDER BY id"))
    opened = [sealer.walk_json(json.loads(str(a["answers"])), ANSWERS)[0] for a in answers]
    assert [a["national_id"] for a in opened] == [DEMO[0], DEMO[0], DEMO[1], DEMO[1]]
    ceremony = _one(asyncio.run(run_sql(database, "SELECT data FROM webauthn_challenge")))
    data = sealer.walk_json(json.loads(str(ceremony["data"])), CEREMONY)[0]
    assert (data["national_id"], data["full_name"]) == (HALF_WAY, "ครึ่ง ทาง")
    limit = _one(asyncio.run(run_sql(database, "SELECT key, hits FROM rate_limit")))
    assert limit == {"key": f"enrol:id:{index(HALF_WAY)}", "hits": 2}
    response = _one(asyncio.run(run_sql(database, "SELECT response FROM idempotency_record")))
    assert json.loads(sealer.open(str(response["response"]), place=RESPONSE)) == {
        "answers": {"national_id": DEMO[0]}
    }

    # The plaintext columns are gone; the demo finds its citizens by index (nothing doubled).
    columns = asyncio.run(run_sql(database, "SELECT * FROM account"))[0]
    assert "national_id" not in columns and "disputed_national_id" not in columns
    demo_after = portal_at(ROOT, database, var_dir, "demo")
    assert demo_after.split("/track")[1] == demo_before.split("/track")[1]  # codes, last 4

    # Rotating the key re-encrypts all of it; the old key opens none of it any more.
    old_key_id = sealer.key_id
    rotated = portal_at(ROOT, database, var_dir, "national-id-key", "rotate", "--batch-size", "2")
    assert "account.national_id_sealed: 2" in rotated and "application.answers: 4" in rotated
    assert len((var_dir / idcrypt.KEY_FILE).read_text().split()) == 1
    assert idcrypt.sealer(settings).key_id != old_key_id
    assert "national IDs: 9 encrypted values readable" in portal_at(
        ROOT, database, var_dir, "check"
    )
    assert asyncio.run(_in_clear(database)) == []
    # A node given other keys is caught.
    wrong = portal_at(ROOT, database, var_dir, "check", ok=False, NATIONAL_ID_KEYS=new_key())
    assert "do not open with the configured keys" in wrong and "not configured" in wrong
