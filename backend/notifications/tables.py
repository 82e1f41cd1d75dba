"""Notification tables: a citizen's push subscriptions (one per browser/device), the
notification history the app shows (also what a phone missed while it was off) and which
kinds they muted.
"""

from __future__ import annotations

from piccolo.columns import (
    BigSerial,
    ForeignKey,
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
    "PushSubscription",
]


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
    kind = Varchar(length=24, help_text="status_update, needs_info, decision or security.")
    application = ForeignKey(
        references=Application,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        help_text="None for a notice about the account itself (kind security).",
    )
    tracking_code = Varchar(length=20)
    status = Varchar(length=16, help_text="The application's new status ('' for security).")
    text_th = Text(help_text="The short line shown to the citizen, in Thai.")
    text_en = Text(help_text="The same line in English.")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    """What a citizen does not want pushed. No row: every kind is pushed."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, unique=True)
    muted = Text(default="[]", help_text="JSON list of muted notification kinds.")
