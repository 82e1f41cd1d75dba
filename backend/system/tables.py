"""Platform tables shared by every domain: rate-limit counters, idempotency records and change
counters, all in the database so every app process sees the same state."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["CacheEvent", "ChangeCounter", "IdempotencyRecord", "RateLimitCounter"]


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
    sessions and dashboards (system.hotcache) true. `seq` comes from the `cache_events`
    counter, so rows become visible in order (see ChangeCounter). Kept an hour."""

    id = Serial(primary_key=True)
    seq = BigInt(unique=True)
    account = Integer()
    at = Timestamptz(index=True)
