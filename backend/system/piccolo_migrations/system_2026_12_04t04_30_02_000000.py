"""National IDs encrypted at rest: stored idempotent responses (a citizen's application as
its answer showed it holds their ID number) are sealed with the configured keys
(NATIONAL_ID_KEYS or the key file in VAR_DIR, made now if absent); enrolment rate limits,
counted per ID number, are counted per its blind index instead."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

from backend.lib import idcrypt
from backend.system.idempotency import RESPONSE

ID = "2026-12-04T04:30:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "idempotent responses encrypted, rate limits by blind index"

BATCH = 1000
ENROL_ID = "enrol:id:"


async def seal() -> None:
    engine = engine_finder()
    assert engine is not None

    async def run(sql: str, *args: object) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = await engine.run_querystring(QueryString(sql, *args))
        return rows

    after = 0
    while rows := await run(
        "SELECT id, response FROM idempotency_record WHERE id > {} AND response <> '' "
        "ORDER BY id LIMIT {}",
        after,
        BATCH,
    ):
        for row in rows:
            sealed = idcrypt.sealer().seal(str(row["response"]), place=RESPONSE)
            await run("UPDATE idempotency_record SET response = {} WHERE id = {}", sealed, row["id"])
        after = int(str(rows[-1]["id"]))
    for row in await run("SELECT id, key FROM rate_limit WHERE key LIKE {}", ENROL_ID + "%"):
        number = str(row["key"]).removeprefix(ENROL_ID)
        key = ENROL_ID + idcrypt.blind_index()(number)
        await run("UPDATE rate_limit SET key = {} WHERE id = {}", key, row["id"])


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="system", description=DESCRIPTION)
    manager.add_raw(seal)
    return manager
