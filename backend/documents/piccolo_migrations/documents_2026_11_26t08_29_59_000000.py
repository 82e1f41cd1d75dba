"""One resumable upload per account and Idempotency-Key (Piccolo columns declare
single-column constraints only). A unique index, not a table constraint: SQLite has no ALTER
TABLE ADD CONSTRAINT, so the same SQL runs on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T08:29:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique idempotency key per account for resumable uploads"

CREATE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS document_upload_idempotency "
    "ON document_upload (account, idempotency_key)"
)


def _engine():  # the migration's own engine, so the DDL joins its transaction
    engine = engine_finder()
    assert engine is not None
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="documents", description=DESCRIPTION)

    async def create() -> None:
        await _engine().run_ddl(CREATE)

    async def drop() -> None:
        await _engine().run_ddl("DROP INDEX IF EXISTS document_upload_idempotency")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
