"""The outbox table's API for producers (enqueue) and for admins (dead letters).

Producers call `enqueue` inside their own transaction, so the state change and the work it
triggers commit or roll back together:

    async with backend.lib.db.transaction():
        await change_status(...)
        await enqueue("webpush", payload, dedupe_key=f"status:{change_id}:{subscription_id}")

Piccolo finds the open transaction through a context variable, so the INSERT runs on the
caller's connection. Delivery is `worker.Worker`'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from backend.lib.db import current_engine, defer_write, deferring, is_postgres
from backend.lib.errors import NotFoundError
from backend.system.outbox.wakeup import WAKE_CHANNEL

__all__ = [
    "DeadMessage",
    "InvalidOutboxMessageError",
    "NewMessage",
    "OutboxMessageNotFoundError",
    "cancel_pending",
    "enqueue",
    "enqueue_later",
    "enqueue_many",
    "list_dead",
    "replay",
]

MAX_KIND = 32
MAX_DEDUPE_KEY = 200
"""Column lengths in tables.py; checked here so SQLite (which ignores VARCHAR lengths) and
PostgreSQL refuse the same values."""

INSERT_CHUNK = 1000
"""Rows per INSERT statement in `enqueue_many`: 5 parameters a row stays well under the
bind-parameter limits (SQLite 32,766; PostgreSQL 32,767)."""

_INSERT = (
    "INSERT INTO outbox (kind, payload, status, attempts, next_attempt_at, created_at, "
    "dedupe_key) VALUES {} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)
"""ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL an error
would abort the caller's whole transaction."""
_INSERT_ROW = "({}, {}, 'pending', 0, {}, {}, {})"
_INSERT_WAKING = _INSERT + ", pg_notify({}, '')"
"""PostgreSQL: idle workers are woken (delivered at commit, see wakeup.py) by the insert's
own statement, once per new row (a transaction's identical notifications are one); in the
RETURNING list, so it runs as a deferred write's too (an unread CTE still runs to its end)."""


class InvalidOutboxMessageError(ValueError):
    """A producer passed a kind, payload or dedupe key the outbox cannot store."""


class OutboxMessageNotFoundError(NotFoundError):
    code = "outbox_message_not_found"
    message_en = "There is no dead outbox message with this id."
    message_th = "ไม่พบข้อความที่ส่งไม่สำเร็จรายการนี้"


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message for `enqueue_many`."""

    kind: str
    payload: Mapping[str, Any]
    dedupe_key: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True, slots=True)
class DeadMessage:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _row_args(message: NewMessage, now: dt.datetime) -> list[Any]:
    if not 0 < len(message.kind) <= MAX_KIND:
        raise InvalidOutboxMessageError(f"kind must be 1–{MAX_KIND} characters")
    if message.dedupe_key is not None and not 0 < len(message.dedupe_key) <= MAX_DEDUPE_KEY:
        raise InvalidOutboxMessageError(f"dedupe_key must be 1–{MAX_DEDUPE_KEY} characters")
    if not isinstance(message.payload, Mapping):
        raise InvalidOutboxMessageError("payload must be a JSON object")
    try:
        payload = msgspec.json.encode(message.payload).decode()
    except (TypeError, msgspec.EncodeError) as exc:
        raise InvalidOutboxMessageError(f"payload is not JSON-serialisable: {exc}") from exc
    due = now + dt.timedelta(seconds=max(0.0, message.delay_s))
    return [message.kind, payload, due, now, message.dedupe_key]


async def enqueue_many(messages: Iterable[NewMessage]) -> list[int]:
    """Insert messages in as few statements as possible; returns the new ids, ascending.
    A message whose dedupe key is already in the table (or earlier in `messages`) is skipped.
    """
    now = dt.datetime.now(dt.UTC)
    return sorted(await _insert_all([_row_args(m, now) for m in messages]))


async def enqueue_later(messages: Iterable[NewMessage]) -> None:
    """`enqueue_many` for a producer that needs no ids: on PostgreSQL the rows are written by
    the transaction's last statement (lib.db.defer_write), a round trip fewer on a status
    change's path. Checked now: a message the outbox cannot store fails here."""
    now = dt.datetime.now(dt.UTC)
    rows = [_row_args(m, now) for m in messages]
    claimed = deferring()
    if claimed is not None and len(rows) <= INSERT_CHUNK:
        # As if inserted one after another: the first message of a dedupe key is kept.
        fresh = [row for row in rows if row[4] is None or row[4] not in claimed]
        claimed.update(row[4] for row in fresh if row[4] is not None)
        if not fresh or defer_write(_insert(fresh)):
            return
    await _insert_all(rows)


async def _insert_all(rows: list[list[Any]]) -> list[int]:
    """The rows inserted now, INSERT_CHUNK a statement; the new ids."""
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        # Rows are asyncpg Records or aiosqlite dicts: both index by column name.
        query = _insert(rows[start : start + INSERT_CHUNK])
        ids += [row["id"] for row in await current_engine().run_querystring(query)]
    return ids


def _insert(rows: list[list[Any]]) -> QueryString:
    values = QueryString(
        ", ".join(_INSERT_ROW for _ in rows), *(value for row in rows for value in row)
    )
    if is_postgres():
        return QueryString(_INSERT_WAKING, values, WAKE_CHANNEL)
    return QueryString(_INSERT, values)


async def cancel_pending(dedupe_key: str) -> int:
    """Withdraw a message not yet claimed (a scheduled one: `delay_s`), in the caller's
    transaction; how many were withdrawn. One already in flight is the handler's to judge."""
    rows = await current_engine().run_querystring(
        QueryString(
            "DELETE FROM outbox WHERE dedupe_key = {} AND status = 'pending' RETURNING id",
            dedupe_key,
        )
    )
    return len(rows)


async def enqueue(
    kind: str, payload: Mapping[str, Any], *, dedupe_key: str | None = None, delay_s: float = 0
) -> int | None:
    """Add one message (in the caller's transaction, if any); its id, or None when a message
    with `dedupe_key` already exists."""
    ids = await enqueue_many([NewMessage(kind, payload, dedupe_key, delay_s)])
    return ids[0] if ids else None


async def list_dead(kind: str | None = None, limit: int = 100) -> list[DeadMessage]:
    """Dead letters, newest first."""
    # Status is a literal, not a parameter, so both engines can use the partial index.
    sql = (
        "SELECT id, kind, payload, attempts, last_error, created_at, finished_at "
        "FROM outbox WHERE status = 'dead'"
    )
    args: list[Any] = []
    if kind is not None:
        sql += " AND kind = {}"
        args.append(kind)
    sql += " ORDER BY id DESC LIMIT {}"
    args.append(max(1, limit))
    rows = await current_engine().run_querystring(QueryString(sql, *args))
    return [
        DeadMessage(
            id=row["id"],
            kind=row["kind"],
            payload=msgspec.json.decode(row["payload"]),
            attempts=row["attempts"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )
        for row in rows
    ]


async def replay(message_id: int) -> None:
    """Give a dead message a fresh set of attempts, due now."""
    sql = (
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = {}, "
        "locked_by = NULL, locked_until = NULL, finished_at = NULL "
        "WHERE id = {} AND status = 'dead' RETURNING id"
    )
    now = dt.datetime.now(dt.UTC)
    rows = await current_engine().run_querystring(QueryString(sql, now, message_id))
    if not rows:
        raise OutboxMessageNotFoundError()
