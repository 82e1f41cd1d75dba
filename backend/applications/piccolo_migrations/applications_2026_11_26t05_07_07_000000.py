"""Composite indexes for the two hot reads (Piccolo columns declare single-column indexes only).

- the dashboard: one citizen's applications by change number (newest first, `since`, ETag);
- agency feeds: one agency's applications by change number.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T05:07:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications: composite indexes for dashboard and agency feed"

INDEXES = {
    "application_account_change_seq": "application (account, change_seq)",
    "application_agency_change_seq": "application (agency, change_seq)",
}


def _engine():  # the migration's own engine, so the DDL joins its transaction
    engine = engine_finder()
    assert engine is not None
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)

    async def create() -> None:
        for name, target in INDEXES.items():
            await _engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop() -> None:
        for name in INDEXES:
            await _engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
