from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox index of delivered messages for housekeeping"

# Housekeeping deletes delivered messages a week after delivery: a partial index (same SQL on
# SQLite and PostgreSQL) over done rows only, so it never reads what is still to deliver.
INDEXES = ["CREATE INDEX outbox_done ON outbox (finished_at) WHERE status = 'done'"]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    async def create_indexes():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def drop_indexes():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS outbox_done")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)

    return manager
