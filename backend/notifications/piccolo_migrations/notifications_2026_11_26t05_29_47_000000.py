"""The notification centre's read: one citizen's notifications, newest first (Piccolo columns
declare single-column indexes only)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T05:29:47:000000"
VERSION = "1.38.0"
DESCRIPTION = "notifications: (account, id) index for the notification centre"

INDEXES = {"notification_account_id": "notification (account, id)"}


def _engine():  # the migration's own engine, so the DDL joins its transaction
    engine = engine_finder()
    assert engine is not None
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def create() -> None:
        for name, target in INDEXES.items():
            await _engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop() -> None:
        for name in INDEXES:
            await _engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
