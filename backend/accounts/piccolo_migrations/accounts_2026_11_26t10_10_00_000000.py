from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "session expiry index for housekeeping"

# Housekeeping deletes sessions a day past their absolute end: without this index each of its
# batches would read the whole table. `expires_at` never changes after sign-in, so the index
# costs nothing on the hot path (unlike `last_seen_at`, touched once a minute).
INDEXES = ["CREATE INDEX session_expires ON session (expires_at)"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def drop_indexes():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS session_expires")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)

    return manager
