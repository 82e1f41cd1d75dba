"""Fill service.identifier for services published before the column existed: the name of
the form field marked `identifies` in each stored schema (most have none: '')."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-04T08:49:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "service.identifier from each stored form schema"


def _engine():  # the migration's own engine, so the updates join its transaction
    engine = engine_finder()
    assert engine is not None
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def fill() -> None:
        engine = _engine()
        for row in await engine.run_querystring(QueryString("SELECT id, form_schema FROM service")):
            raw = row["form_schema"]
            fields = json.loads(raw) if isinstance(raw, str) else raw
            name = next((f["name"] for f in fields or [] if f.get("identifies")), "")
            if name:
                await engine.run_querystring(
                    QueryString("UPDATE service SET identifier = {} WHERE id = {}", name, row["id"])
                )

    manager.add_raw(fill)
    return manager
