"""A fee an application owes, and its payment as the agency confirmed it."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    BigSerial,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.applications.tables import Application

__all__ = ["Fee"]


class Fee(Table, tablename="fee"):
    """One fee per application. The portal never holds card or bank-account data: the citizen
    pays the biller's account from their banking app; the agency, told by its bank, confirms
    the amount and the references here."""

    id = BigSerial(primary_key=True)
    application = ForeignKey(
        references=Application, null=False, unique=True, on_delete=OnDelete.restrict
    )
    account = Integer(help_text="The applicant (for the citizen's own reads).")
    agency = Integer(index=True, help_text="The agency owed (for the agency's reads).")
    amount_satang = BigInt(help_text="What is owed, in satang (1/100 baht).")
    biller_id = Varchar(length=15, help_text="Thai QR bill-payment biller ID at the time.")
    reference1 = Varchar(length=20, help_text="The tracking code without dashes (Thai QR ref 1).")
    reference2 = Varchar(
        length=20, unique=True, help_text="The payment reference (Thai QR ref 2), random."
    )
    status = Varchar(
        length=12, default="due", help_text="due, paid or cancelled (see fees.services)."
    )
    due_at = Timestamptz(help_text="Unpaid after this: overdue, the service's rule applies.")
    created_at = Timestamptz()
    overdue_at = Timestamptz(
        null=True,
        default=None,
        help_text="When housekeeping found it unpaid past due_at (and, under a remind rule, "
        "pushed the reminder): once per fee.",
    )
    paid_at = Timestamptz(null=True, default=None, help_text="When the bank says it was paid.")
    confirmed_at = Timestamptz(null=True, default=None, help_text="When the agency confirmed.")
    bank_transaction = Varchar(
        length=40, default="", help_text="The bank's transaction id the agency passed on."
    )
    receipt_number = Varchar(length=24, default="", help_text="The e-receipt's number.")
