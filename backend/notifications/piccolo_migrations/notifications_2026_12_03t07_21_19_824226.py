"""Notifications about the account itself (kind `security`) belong to no application:
`notification.application` becomes nullable. PostgreSQL alters the column; SQLite has no
ALTER COLUMN, so there the table is rebuilt with its rows and its index (the column change
stays declared below, so Piccolo's picture of the schema stays right)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-03T07:21:19:824226"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Notification",
        tablename="notification",
        column_name="application",
        db_column_name="application",
        params={"null": True},
        old_params={"null": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "sqlite":

        async def rebuild(backwards: bool = False) -> None:
            if backwards:
                return  # the rows without an application would not fit: keep the column
            [(ddl,)] = [
                tuple(r.values())
                for r in await engine.run_ddl(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' "
                    "AND name = 'notification'"
                )
            ]
            new = ddl.replace('"notification"', '"notification_new"', 1).replace(
                '"application" INTEGER NOT NULL', '"application" INTEGER', 1
            )
            assert new != ddl
            for sql in [
                new,
                "INSERT INTO notification_new SELECT * FROM notification",
                "DROP TABLE notification",
                "ALTER TABLE notification_new RENAME TO notification",
                "CREATE INDEX notification_account_id ON notification (account, id)",
            ]:
                await engine.run_ddl(sql)

        manager._run_alter_columns = rebuild  # type: ignore[method-assign]

    return manager
