"""National IDs encrypted at rest (accounts.national_ids, lib.idcrypt): `account.national_id`
becomes `national_id_sealed` (AES-GCM) with the unique blind index `national_id_index`
(HMAC), `disputed_national_id` becomes `disputed_national_id_sealed`; existing numbers are
sealed and indexed with the configured keys (NATIONAL_ID_KEYS / NATIONAL_ID_INDEX_KEY, or
the key files in VAR_DIR, made now if absent), in batches, and the plaintext columns dropped.
A ceremony in flight keeps its number, sealed.

All of it is one transaction. The data must move between adding the new columns and
dropping the old, which Piccolo's MigrationManager (raw steps first) cannot order, so the
columns are declared for Piccolo's schema history and made here; and SQLite drops no UNIQUE
column, so its table is rebuilt (lib.migrations.rebuild_sqlite_table)."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

from backend.accounts.national_ids import CEREMONY, DISPUTED, NATIONAL_ID
from backend.lib import idcrypt
from backend.lib.migrations import rebuild_sqlite_table

ID = "2026-12-04T04:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "national IDs encrypted, found by a blind index"

BATCH = 1000
Run = Callable[..., Awaitable[list[dict[str, Any]]]]

ADD = (
    'ALTER TABLE account ADD COLUMN "national_id_sealed" TEXT DEFAULT null',
    'ALTER TABLE account ADD COLUMN "national_id_index" VARCHAR(64) {unique}DEFAULT null',
    'ALTER TABLE account ADD COLUMN "disputed_national_id_sealed" TEXT DEFAULT null',
)


async def _seal_accounts(run: Run) -> None:
    after = 0
    while rows := await run(
        "SELECT id, national_id, disputed_national_id FROM account WHERE id > {} AND "
        "(national_id IS NOT NULL OR disputed_national_id IS NOT NULL) ORDER BY id LIMIT {}",
        after,
        BATCH,
    ):
        sealer, index = idcrypt.sealer(), idcrypt.blind_index()
        for row in rows:
            number, disputed = row["national_id"], row["disputed_national_id"]
            await run(
                "UPDATE account SET national_id_sealed = {}, national_id_index = {}, "
                "disputed_national_id_sealed = {} WHERE id = {}",
                sealer.seal(number, place=NATIONAL_ID) if number else None,
                index(number) if number else None,
                sealer.seal(disputed, place=DISPUTED) if disputed else None,
                row["id"],
            )
        after = rows[-1]["id"]


async def _seal_ceremonies(run: Run) -> None:
    """Enrolment and digital-ID ceremonies started before the upgrade (minutes old)."""
    rows = await run(
        "SELECT id, data FROM webauthn_challenge WHERE data LIKE {}", '%"national_id"%'
    )
    for row in rows:
        data = json.loads(row["data"])
        if isinstance(data.get("national_id"), str):
            data["national_id"] = idcrypt.sealer().seal_json(data["national_id"], place=CEREMONY)
            await run(
                "UPDATE webauthn_challenge SET data = {} WHERE id = {}",
                json.dumps(data, ensure_ascii=False),
                row["id"],
            )


async def _postgres(engine: Any) -> None:
    async def run(sql: str, *args: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await engine.run_querystring(QueryString(sql, *args))
        return rows

    async with engine.transaction():
        for ddl in ADD:
            await engine.run_ddl(ddl.format(unique="UNIQUE "))
        await _seal_accounts(run)
        await _seal_ceremonies(run)
        await engine.run_ddl(
            "ALTER TABLE account DROP COLUMN national_id, DROP COLUMN disputed_national_id"
        )


async def _sqlite(engine: Any) -> None:
    import aiosqlite

    async with aiosqlite.connect(engine.path) as conn:
        conn.row_factory = aiosqlite.Row

        async def run(sql: str, *args: Any) -> list[dict[str, Any]]:
            query, values = QueryString(sql, *args).compile_string(engine_type="sqlite")
            return [dict(r) for r in await conn.execute_fetchall(query, values)]

        await conn.execute("PRAGMA foreign_keys = OFF")  # outside the transaction, or ignored
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for ddl in ADD:
                await conn.execute(ddl.format(unique=""))  # SQLite adds no UNIQUE column
            await _seal_accounts(run)
            await _seal_ceremonies(run)
            await rebuild_sqlite_table(
                conn,
                "account",
                drop=("national_id", "disputed_national_id"),
                unique=("national_id_index",),
            )
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()


async def encrypt_national_ids() -> None:
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "sqlite":
        await _sqlite(engine)
    else:
        await _postgres(engine)


class _Manager(MigrationManager):
    """Declares the column changes for Piccolo's schema history; `encrypt_national_ids`
    makes them (see the module's docstring)."""

    async def _run_add_columns(self, backwards: bool = False) -> None:
        if backwards:
            raise NotImplementedError("the plaintext ID numbers are gone: restore a backup")

    async def _run_drop_columns(self, backwards: bool = False) -> None:
        if backwards:
            raise NotImplementedError("the plaintext ID numbers are gone: restore a backup")


def _params(length: int | None, unique: bool) -> dict[str, Any]:
    params: dict[str, Any] = {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": unique,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    if length is not None:
        params["length"] = length
    return params


async def forwards():
    manager = _Manager(
        migration_id=ID,
        app_name="accounts",
        description=DESCRIPTION,
        wrap_in_transaction=False,  # encrypt_national_ids runs its own, per engine
    )
    manager.add_raw(encrypt_national_ids)
    for name, column_class, length, unique in (
        ("national_id_sealed", Text, None, False),
        ("national_id_index", Varchar, 64, True),
        ("disputed_national_id_sealed", Text, None, False),
    ):
        manager.add_column(
            table_class_name="Account",
            tablename="account",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=_params(length, unique),
            schema=None,
        )
    for name in ("national_id", "disputed_national_id"):
        manager.drop_column(
            table_class_name="Account",
            tablename="account",
            column_name=name,
            db_column_name=name,
            schema=None,
        )
    return manager
