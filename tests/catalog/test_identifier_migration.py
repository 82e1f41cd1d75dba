"""A service published before `service.identifier` existed gets it from its stored form
schema when the database migrates (commit BEFORE: the last without the column), on SQLite
and PostgreSQL; a service marking no field keeps ''."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.settings import ROOT
from tests.support.migrations import old_backend, portal_at, run_sql, throwaway_database

pytestmark = pytest.mark.slow

BEFORE = "d38f60bc1f1c1f76a4f7d026e9f28b9b52504b26"
"""main before issue 20's points 4-7: no service.identifier."""

SCHEMA = (
    '[{"name": "plate", "type": "text", "label": {"th": "ทะเบียน", "en": "Plate"},'
    ' "identifies": true}]'
)
MARKED = f"UPDATE service SET form_schema = '{SCHEMA}' WHERE slug = 'vehicle-tax'"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from throwaway_database(request.param, tmp_path)


def test_identifier_is_read_from_each_stored_schema(database: str, tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    old = old_backend(BEFORE, tmp_path)
    portal_at(old, database, var_dir, "migrate")
    portal_at(old, database, var_dir, "demo")
    asyncio.run(run_sql(database, MARKED))

    assert "applied" in portal_at(ROOT, database, var_dir, "migrate")
    rows = asyncio.run(
        run_sql(database, "SELECT slug, identifier FROM service WHERE identifier <> ''")
    )
    assert rows == [{"slug": "vehicle-tax", "identifier": "plate"}]
