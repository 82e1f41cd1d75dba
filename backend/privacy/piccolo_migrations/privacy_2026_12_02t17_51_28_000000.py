"""`audit_log` moves to the system app with its rows: a fake migration, nothing runs in the
database; Piccolo's schema history of this app forgets the table (see the system app's
migration 2026-12-02T17:51:27:509378, which adopts it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T17:51:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_log moves to the system app"


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="privacy", description=DESCRIPTION, fake=True
    )
    manager.drop_table(class_name="AuditEntry", tablename="audit_log")
    return manager
