from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T04:54:10:056276"
VERSION = "1.38.0"
DESCRIPTION = "outbox partial indexes"

# Partial indexes (same SQL on SQLite and PostgreSQL): the worker's claim scans only rows
# still to deliver, and the admin's dead-letter list only dead rows, however many done rows
# the table keeps.
INDEXES = [
    "CREATE INDEX outbox_due ON outbox (next_attempt_at, id) "
    "WHERE status IN ('pending', 'in_flight')",
    "CREATE INDEX outbox_dead ON outbox (kind, id) WHERE status = 'dead'",
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    async def create_indexes():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def drop_indexes():
        engine = engine_finder()
        for name in ("outbox_due", "outbox_dead"):
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)

    return manager
