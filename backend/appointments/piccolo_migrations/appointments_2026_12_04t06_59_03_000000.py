"""One slot per office, service and start: an agency re-sending its slots updates them
(Piccolo columns cannot declare a unique index over several columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T06:59:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "appointments: one slot per office, service and start"

NAME = "appointment_slot_one_start"


def _engine():  # the migration's own engine, so the DDL joins its transaction
    engine = engine_finder()
    assert engine is not None
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="appointments", description=DESCRIPTION)

    async def create() -> None:
        await _engine().run_ddl(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {NAME} "
            "ON appointment_slot (office, service, starts_at)"
        )

    async def drop() -> None:
        await _engine().run_ddl(f"DROP INDEX IF EXISTS {NAME}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
