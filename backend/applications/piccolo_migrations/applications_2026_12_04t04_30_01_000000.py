"""National IDs encrypted at rest: every answer that is an ID number is sealed where it is
(`{"$sealed": …}`, applications.answers), with the configured keys (NATIONAL_ID_KEYS or the
key file in VAR_DIR, made now if absent), in batches, in one transaction."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

from backend.applications.answers import PLACE, is_national_id
from backend.lib import idcrypt

ID = "2026-12-04T04:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "ID numbers in answers encrypted"

BATCH = 1000


async def seal_answers() -> None:
    engine = engine_finder()
    assert engine is not None
    after = 0
    while rows := await engine.run_querystring(
        QueryString(
            "SELECT id, answers FROM application WHERE id > {} ORDER BY id LIMIT {}",
            after,
            BATCH,
        )
    ):
        for row in rows:
            answers = json.loads(row["answers"] or "{}")
            if not isinstance(answers, dict) or not any(map(is_national_id, answers.values())):
                continue
            sealed = {
                name: idcrypt.sealer().seal_json(value, place=PLACE)
                if is_national_id(value)
                else value
                for name, value in answers.items()
            }
            await engine.run_querystring(
                QueryString(
                    "UPDATE application SET answers = {} WHERE id = {}",
                    json.dumps(sealed, ensure_ascii=False),
                    row["id"],
                )
            )
        after = rows[-1]["id"]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="applications", description=DESCRIPTION
    )
    manager.add_raw(seal_answers)
    return manager
