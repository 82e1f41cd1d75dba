"""One change counter for the agency feed and the cache feed (system.counters.CHANGES): a
status change takes one number for both instead of locking two counter rows. The shared
counter starts above every number either handed out, so no feed ever goes back."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-04T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one change counter for the agency feed and the cache feed"


async def merge() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_querystring(
        QueryString(
            "INSERT INTO change_counter (name, value) SELECT 'applications', "
            "COALESCE(MAX(value), 0) FROM change_counter "
            "WHERE name IN ('applications', 'cache_events') "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
    )
    await engine.run_querystring(
        QueryString("DELETE FROM change_counter WHERE name = 'cache_events'")
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="system", description=DESCRIPTION)
    manager.add_raw(merge)
    return manager
