"""`Idempotency-Key` for writes that clients retry (phones on weak links, agency systems).

Same key + same request → the first response, replayed. Same key + a different request → 409.
The record is written in the same transaction as the work, first: a concurrent duplicate
blocks on the unique key until the first commits, then replays its response. The response is
kept sealed with the national-ID keys (lib.idcrypt): a citizen's application, as its answer
shows it, holds their ID number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from backend.lib import idcrypt
from backend.lib.db import write_transaction
from backend.lib.errors import ClientError, ConflictError
from backend.lib.statements import Statement, fetch
from backend.system.tables import IdempotencyRecord

__all__ = [
    "KEEP_FOR",
    "RESPONSE",
    "IdempotencyConflictError",
    "Outcome",
    "key_from_header",
    "request_hash",
    "run_idempotent",
]

KEEP_FOR = dt.timedelta(hours=48)
"""Records live at least this long (the promise to clients is 24 h)."""

MAX_KEY = 100

RESPONSE = "idempotency_record.response"
"""Where a stored response is sealed (its associated data)."""


class IdempotencyConflictError(ConflictError):
    code = "idempotency_key_reused"
    message_en = "This Idempotency-Key was already used for a different request."
    message_th = "รหัสป้องกันการส่งซ้ำนี้ถูกใช้กับคำขออื่นแล้ว"


class IdempotencyInProgressError(ConflictError):
    code = "idempotency_in_progress"
    message_en = "The same request is still being processed. Retry in a moment."
    message_th = "คำขอเดียวกันกำลังดำเนินการ กรุณาลองใหม่อีกครั้ง"


class MissingKeyError(ClientError):
    code = "idempotency_key_required"
    message_en = "Send an Idempotency-Key header (a random id per submission)."
    message_th = "ต้องส่ง Idempotency-Key (รหัสสุ่มต่อการส่งแต่ละครั้ง)"


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int
    body: bytes
    replayed: bool


def key_from_header(value: str | None, *, required: bool = True) -> str | None:
    if not value:
        if required:
            raise MissingKeyError()
        return None
    value = value.strip()
    if not 8 <= len(value) <= MAX_KEY or not value.isprintable():
        raise ClientError(
            "Idempotency-Key must be 8 to 100 printable characters.",
            "Idempotency-Key ต้องยาว 8 ถึง 100 ตัวอักษร",
            code="idempotency_key_invalid",
        )
    return value


def request_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


async def _replay(scope_key: str, fingerprint: str) -> Outcome | None:
    row = await IdempotencyRecord.select().where(IdempotencyRecord.scope_key == scope_key).first()
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise IdempotencyConflictError()
    if row["status_code"] == 0:
        raise IdempotencyInProgressError()
    body = idcrypt.sealer().open(row["response"], place=RESPONSE)
    return Outcome(row["status_code"], body.encode(), replayed=True)


_CLAIM = Statement(
    "INSERT INTO idempotency_record (scope_key, request_hash, status_code, response, "
    "created_at) VALUES ({}, {}, 0, '', {}) ON CONFLICT (scope_key) DO NOTHING RETURNING id"
)

_ANSWERED = Statement("UPDATE idempotency_record SET status_code = {}, response = {} WHERE id = {}")


async def run_idempotent(
    scope: str, key: str, fingerprint: str, work: Callable[[], Awaitable[tuple[int, bytes]]]
) -> Outcome:
    """Do `work` once per (scope, key); `work` runs inside the write transaction and returns
    (status, JSON body) to store and send.

    The key is claimed first in that transaction, in one statement: a new key (the usual
    case) costs no read before it; a key already used, or held by a concurrent duplicate
    (which waits on the unique key until the first commits or rolls back), claims nothing,
    and the request is answered from the record after the transaction."""
    scope_key = f"{scope}:{key}"
    try:
        async with write_transaction():
            claimed = await fetch(_CLAIM, scope_key, fingerprint, dt.datetime.now(dt.UTC))
            if claimed:
                status, body = await work()
                sealed = idcrypt.sealer().seal(body.decode(), place=RESPONSE)
                await fetch(_ANSWERED, status, sealed, claimed[0]["id"])
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as exc:
        # A concurrent duplicate committed first; answer as it did (or refuse a mismatch).
        replay = await _replay(scope_key, fingerprint)
        if replay is None:
            raise
        del exc
        return replay
    if not claimed:
        replay = await _replay(scope_key, fingerprint)
        if replay is None:  # the record went between the two statements (housekeeping)
            raise IdempotencyInProgressError()
        return replay
    return Outcome(status, body, replayed=False)
