"""Applications and their append-only status history."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import Account
from backend.catalog.tables import Agency, Service

__all__ = ["Application", "StatusEvent"]


class Application(Table, tablename="application"):
    """One citizen's application for one service. Indexed for the dashboard by
    (account, change_seq), carrying a card's short columns, and for agency feeds by
    (agency, change_seq): see the migrations."""

    id = BigSerial(primary_key=True)
    tracking_code = Varchar(
        length=20, unique=True, help_text="e.g. DOPA-7K3M-Q9; printed on receipts."
    )
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=16, help_text="See applications.status.")
    answers = Text(default="{}", help_text="JSON: field name → answer (file fields: document id).")
    status_message_th = Text(default="")
    status_message_en = Text(default="")
    action_required = Text(
        default="", help_text="JSON {th, en, fields} while needs_info: what the citizen must do."
    )
    created_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(help_text="Last status change or edit: 'newest activity'.")
    change_seq = BigInt(default=0, help_text="From ChangeCounter 'applications': sync cursor.")
    deleted_at = Timestamptz(null=True, default=None, help_text="Discarded drafts only.")
    submitted_by = Integer(
        null=True,
        default=None,
        help_text="Operator account that submitted on the citizen's behalf.",
    )
    identity_disputed = Boolean(
        default=False,
        help_text="The applicant's account was frozen: a verified person holds its ID number.",
    )


class StatusEvent(Table, tablename="status_event"):
    """A row per status change; never updated or deleted."""

    id = BigSerial(primary_key=True)
    application = ForeignKey(
        references=Application, null=False, on_delete=OnDelete.restrict, index=True
    )
    status = Varchar(length=16)
    message_th = Text(default="")
    message_en = Text(default="")
    actor_role = Varchar(length=16, help_text="citizen, operator, officer, agency_api or system.")
    actor_account_id = Integer(null=True, default=None)
    at = Timestamptz()
