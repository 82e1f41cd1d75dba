"""What is sealed with the national-ID keys (lib.idcrypt), as the domains registered it
(`registry.sealed`): resealing it all under the first key, in batches, and checking that every
value opens.

Rotating the key, with the key file (the default), `rotate_key_file` does it all: it writes
the file as "new key, then the old ones" (every process reads a changed file again, so from
then on each opens both and seals with the new), reseals every stored value under the new key,
batch by batch, each in its own transaction (the portal keeps serving), looks once more for
values an older key sealed meanwhile, then drops the old keys from the file.

With NATIONAL_ID_KEYS (several nodes, keys from a secret store) the operator does the same by
hand: set NATIONAL_ID_KEYS="<new>,<old>" on every node and worker and restart them, run
`portal national-id-key reseal`, then set NATIONAL_ID_KEYS="<new>" and restart again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from backend.lib import idcrypt
from backend.lib.db import current_engine, write_transaction
from backend.lib.keyfile import KeyMaterialError, decode_keys, new_key, write_private
from backend.settings import Settings
from backend.system.registry import SealedColumn, current

__all__ = [
    "BATCH",
    "ColumnCheck",
    "KeyRotationError",
    "check_sealed",
    "reseal",
    "rotate_key_file",
]

BATCH = 500
"""Rows resealed per transaction: short enough that no request waits long on a row lock."""


class KeyRotationError(RuntimeError):
    """The keys come from NATIONAL_ID_KEYS, which only the operator can change."""


@dataclass(frozen=True, slots=True)
class ColumnCheck:
    """How many of a column's values are stored, and how many do not open (or whose blind
    index does not match the number: another installation's index key)."""

    name: str
    stored: int
    unreadable: int
    first_problem: str = ""


async def _rows(column: SealedColumn, after: int, limit: int, stale_only: str = "") -> list[Any]:
    """The next rows holding a value, by id; with `stale_only` (the prefix of the sealing
    key), whole values already under that key are skipped."""
    where = f"id > {{}} AND {column.column} IS NOT NULL AND {column.column} <> ''"
    args: list[Any] = [after]
    if column.json:
        where += f" AND {column.column} LIKE {{}}"
        args.append(f'%"{idcrypt.SEALED}"%')
    elif stale_only:
        where += f" AND {column.column} NOT LIKE {{}}"
        args.append(stale_only + "%")
    index = f", {column.index_column} AS idx" if column.index_column else ""
    sql = (
        f"SELECT id, {column.column} AS value{index} FROM {column.table} "  # noqa: S608
        f"WHERE {where} ORDER BY id LIMIT {{}}"  # (names registered in code, values bound)
    )
    rows: list[Any] = await current_engine().run_querystring(QueryString(sql, *args, limit))
    return rows


def _resealed(column: SealedColumn, sealer: idcrypt.Sealer, value: str) -> str | None:
    if not column.json:
        return sealer.reseal(value, place=column.place)
    again, changed = sealer.walk_json(json.loads(value), column.place, reseal=True)
    return json.dumps(again, ensure_ascii=False) if changed else None


async def _reseal_column(column: SealedColumn, sealer: idcrypt.Sealer, batch: int) -> int:
    done, after = 0, 0
    while True:
        async with write_transaction():
            rows = await _rows(column, after, batch, stale_only=sealer.prefix)
            for row in rows:
                again = _resealed(column, sealer, row["value"])
                if again is None:
                    continue
                # Only if unchanged since read: a value written meanwhile is already new.
                sql = (
                    f"UPDATE {column.table} SET {column.column} = {{}} "  # noqa: S608
                    f"WHERE id = {{}} AND {column.column} = {{}}"
                )
                await current_engine().run_querystring(
                    QueryString(sql, again, row["id"], row["value"])
                )
                done += 1
        if len(rows) < batch:
            return done
        after = rows[-1]["id"]


async def reseal(settings: Settings, batch: int = BATCH) -> dict[str, int]:
    """Seal every stored value again under the first configured key, `batch` rows per
    transaction; returns how many per column. A value no configured key opens stops it
    (IdCryptError) with what was done so far kept: fix the keys and run it again."""
    sealer = idcrypt.sealer(settings)
    return {
        f"{c.table}.{c.column}": await _reseal_column(c, sealer, batch) for c in current().sealed
    }


async def check_sealed(settings: Settings, batch: int = BATCH) -> list[ColumnCheck]:
    """Every registered column: does each value open with the configured keys, and does the
    blind index beside it match? Makes no key where nothing is sealed yet, but a configured
    key that is malformed is an IdCryptError even then (the first write would fail)."""
    if settings.national_id_keys:
        idcrypt.sealer(settings)
    if settings.national_id_index_key:
        idcrypt.blind_index(settings)
    found: list[ColumnCheck] = []
    for column in current().sealed:
        stored, bad, problem, after = 0, 0, "", 0
        while rows := await _rows(column, after, batch):
            after = rows[-1]["id"]
            for row in rows:
                stored += 1
                trouble = _trouble(settings, column, row)
                if trouble:
                    bad += 1
                    problem = problem or trouble
        found.append(ColumnCheck(f"{column.table}.{column.column}", stored, bad, problem))
    return found


def _trouble(settings: Settings, column: SealedColumn, row: dict[str, Any]) -> str:
    try:
        sealer = idcrypt.sealer(settings)
        if column.json:
            sealer.walk_json(json.loads(row["value"]), column.place)
            return ""
        plain = sealer.open(row["value"], place=column.place)
        if column.index_column and row["idx"] != idcrypt.blind_index(settings)(plain):
            return f"the blind index of row {row['id']} does not match: NATIONAL_ID_INDEX_KEY?"
    except idcrypt.IdCryptError as exc:
        return str(exc)
    return ""


async def rotate_key_file(settings: Settings, batch: int = BATCH) -> dict[str, int]:
    """A new key in VAR_DIR/national_id.key, every value resealed under it, the old keys
    gone; returns how many values were resealed, per column. Interrupted, it leaves a file
    whose keys open every value (run it again)."""
    if settings.national_id_keys:
        raise KeyRotationError(
            "the keys come from NATIONAL_ID_KEYS: set it to '<new>,<old>' everywhere, "
            "restart, run `portal national-id-key reseal`, then set it to '<new>' (a new key: "
            "`portal national-id-key new`)"
        )
    idcrypt.sealer(settings)  # makes the file on a portal that never needed one
    path = idcrypt.key_file(settings)
    old = path.read_text()
    try:
        decode_keys(old, str(path))  # a damaged file stops here, before anything changes
    except KeyMaterialError as exc:
        raise idcrypt.IdCryptError(str(exc)) from exc
    write_private(path, f"{new_key()}\n{old.strip()}\n".encode(), replace=True)
    counts = await reseal(settings, batch)
    # A request that sealed with the old key just before the file changed may have
    # committed after its batch went by: one more pass finds it.
    for name, more in (await reseal(settings, batch)).items():
        counts[name] += more
    write_private(path, f"{path.read_text().split()[0]}\n".encode(), replace=True)
    return counts
