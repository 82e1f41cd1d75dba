"""The transactional outbox: work that must happen after a transaction commits (a Web Push,
an agency webhook) is written as a row in that same transaction, then delivered by
`portal worker`. A rolled-back transaction therefore never sends anything, and a committed
one is delivered at least once."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["OutboxMessage", "OutboxStatus"]


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
