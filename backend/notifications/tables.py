"""Notification tables.

The transactional outbox: work that must happen after a transaction commits (a Web Push,
an agency webhook) is written as a row in that same transaction, then delivered by
`portal worker`. A rolled-back transaction therefore never sends anything, and a committed
one is delivered at least once.

A citizen's push subscriptions (one per browser/device), the notification history the app
shows (also what a phone missed while it was off) and which kinds they muted.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    BigSerial,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import Account, Session
from backend.applications.tables import Application

__all__ = [
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "OutboxStatus",
    "PushSubscription",
]


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


class PushSubscription(Table, tablename="push_subscription"):
    """A browser's PushSubscription, registered by a signed-in citizen. The endpoint is
    unique: registering it again updates the row (and moves it to whoever registered it last,
    as on a phone shared by a family)."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    endpoint = Varchar(
        length=1024, unique=True, help_text="The push service URL (https, allow-listed host)."
    )
    p256dh = Varchar(length=100, help_text="base64url of the browser's P-256 public key.")
    auth = Varchar(length=30, help_text="base64url of the 16-byte auth secret.")
    device_name = Varchar(length=60, default="", help_text="The citizen's label for the device.")
    session = ForeignKey(
        references=Session,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        help_text="The session that registered it last: signing out of that session forgets "
        "the subscription.",
    )
    created_at = Timestamptz()
    updated_at = Timestamptz(help_text="Last registration (the app refreshes it now and then).")


class Notification(Table, tablename="notification"):
    """One notification in a citizen's history, written in the status change's transaction
    whether or not a push goes out (muted kinds and phones without push still see it in the
    app). Listed newest first through the index (account, id) — see the raw migration."""

    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=24, help_text="status_update, needs_info or decision.")
    application = ForeignKey(references=Application, null=False, on_delete=OnDelete.cascade)
    tracking_code = Varchar(length=20)
    status = Varchar(length=16, help_text="The application's new status.")
    text_th = Text(help_text="The short line shown to the citizen, in Thai.")
    text_en = Text(help_text="The same line in English.")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    """What a citizen does not want pushed. No row: every kind is pushed."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, unique=True)
    muted = Text(default="[]", help_text="JSON list of muted notification kinds.")
