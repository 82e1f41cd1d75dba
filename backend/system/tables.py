"""Platform tables shared by every domain: the audit log, the outbox, rate-limit counters,
idempotency records, change counters and the cache feed, all in the database so every app
process sees the same state. None refers to a domain's table: an account or an application
is named by its id, so the platform knows no domain."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import BigInt, BigSerial, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = [
    "AuditEntry",
    "CacheEvent",
    "ChangeCounter",
    "IdempotencyRecord",
    "OutboxMessage",
    "OutboxStatus",
    "RateLimitCounter",
]


class RateLimitCounter(Table, tablename="rate_limit"):
    """A fixed-window counter per key (e.g. `signin:ip:203.0.113.9`)."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    window_start = BigInt(help_text="Unix seconds at which the current window began.")
    hits = Integer(default=0)


class IdempotencyRecord(Table, tablename="idempotency_record"):
    """A write made with an `Idempotency-Key`: its request hash and the response it produced,
    replayed when a client retries (kept ≥ 24 h)."""

    id = Serial(primary_key=True)
    scope_key = Varchar(
        length=200, unique=True, help_text="Who (citizen:12, agency:3) and their key, joined."
    )
    request_hash = Varchar(length=64, help_text="SHA-256 of method, path and body.")
    status_code = Integer(default=0)
    response = Text(default="")
    created_at = Timestamptz()


class ChangeCounter(Table, tablename="change_counter"):
    """Monotonic sequence numbers handed out inside write transactions. Taking the next number
    locks the counter's row until commit, so numbers become visible in order: a reader that
    saw number N will never later find a smaller one appear (gap-free feeds and `since`)."""

    id = Serial(primary_key=True)
    name = Varchar(length=40, unique=True)
    value = BigInt(default=0)


class CacheEvent(Table, tablename="cache_event"):
    """ "Forget what you hold of this account": written in the transaction of every change to
    an account's sessions or applications, read by every app process to keep its memory of
    sessions and dashboards (system.hotcache) true. `seq` comes from the change counter
    (system.counters.CHANGES), so rows become visible in order (see ChangeCounter). Kept an hour."""

    id = Serial(primary_key=True)
    seq = BigInt(unique=True)
    account = Integer()
    at = Timestamptz(index=True)


# The audit log: who read or changed whose data, when, from where. Append-only: the code never
# updates or deletes a row (erasure keeps the entries, minus personal detail).
class AuditEntry(Table, tablename="audit_log"):
    id = BigSerial(primary_key=True)
    at = Timestamptz()
    action = Varchar(length=60, help_text="e.g. account.enrolled, passkey.revoked, signin.failed")
    actor_account_id = Integer(null=True, default=None, help_text="Who did it (null: anonymous).")
    actor_role = Varchar(length=16, default="")
    subject_account_id = Integer(
        null=True,
        default=None,
        index=True,
        help_text="Whose data it was (the citizen reads these).",
    )
    object_type = Varchar(length=40, default="")
    object_id = Varchar(length=64, default="")
    kiosk_id = Integer(null=True, default=None)
    ip = Varchar(length=64, default="")
    detail = Text(default="{}", help_text="JSON with non-personal context (reason codes).")


# The transactional outbox: work that must happen after a transaction commits (a Web Push, an
# agency webhook) is written as a row in that same transaction, then delivered by a worker
# (system.outbox.worker). A rolled-back transaction never sends anything; a committed one is
# delivered at least once.
class OutboxStatus(StrEnum):
    pending = "pending"
    in_flight = "in_flight"
    done = "done"
    dead = "dead"


class OutboxMessage(Table, tablename="outbox"):
    """One unit of work for the worker. The claim query is served by the partial index
    `outbox_due` (next_attempt_at, id) WHERE status IN ('pending', 'in_flight'), created by
    a raw migration because Piccolo columns cannot declare partial indexes."""

    id = BigSerial(primary_key=True)

    kind = Varchar(length=32, help_text="Which handler delivers it, e.g. `webpush` or `webhook`.")
    payload = Text(help_text="JSON object given to the handler.")
    status = Varchar(
        length=16,
        default=OutboxStatus.pending,
        choices=OutboxStatus,
        help_text="pending → in_flight → done, or dead after too many failed attempts.",
    )
    attempts = Integer(default=0, help_text="Delivery attempts started (claims) so far.")
    next_attempt_at = Timestamptz(
        help_text="When a worker may claim it: the retry time while pending, the lease end "
        "while in flight (so expired leases are found by the same index as due work)."
    )
    locked_by = Varchar(
        length=200, null=True, default=None, help_text="Worker id holding or last holding it."
    )
    locked_until = Timestamptz(
        null=True,
        default=None,
        help_text="End of the current lease; with locked_by it identifies one claim, so a "
        "worker whose lease expired cannot record a result over the next owner's.",
    )
    last_error = Text(
        null=True, default=None, help_text="Why the last attempt failed or was dropped."
    )
    created_at = Timestamptz(help_text="When it was enqueued.")
    finished_at = Timestamptz(null=True, default=None, help_text="When it became done or dead.")
    dedupe_key = Varchar(
        length=200,
        null=True,
        default=None,
        unique=True,
        help_text="Optional producer key: enqueueing the same key again does nothing.",
    )
