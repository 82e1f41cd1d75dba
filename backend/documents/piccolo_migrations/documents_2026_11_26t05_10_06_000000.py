from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T05:10:06:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique idempotency key per account"

# A unique index, not a table constraint: SQLite has no ALTER TABLE ADD CONSTRAINT, and the
# same SQL then runs on both engines. NULL keys (uploads without one) never collide.
CREATE = (
    "CREATE UNIQUE INDEX document_idempotency ON document (account, idempotency_key) "
    "WHERE idempotency_key IS NOT NULL"
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="documents", description=DESCRIPTION
    )

    async def create_index():
        await engine_finder().run_ddl(CREATE)

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS document_idempotency")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)

    return manager
