"""Authorisations: a citizen (the grantor) lets another citizen (the delegate) act for them."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigSerial,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import Account

__all__ = ["Delegation"]


class Delegation(Table, tablename="delegation"):
    """One authorisation (the portal's หนังสือมอบอำนาจ). Made online as an invitation the
    delegate accepts, or at a kiosk with both people in front of the operator. Never
    deleted while both accounts exist: ended ones are the grantor's record of who acted."""

    id = BigSerial(primary_key=True)
    grantor = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    delegate = ForeignKey(
        references=Account,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        index=True,
        help_text="Null while the invitation waits to be accepted.",
    )
    invitation_hash = Varchar(
        length=64, null=True, default=None, unique=True, help_text="SHA-256 of the code."
    )
    invitation_expires_at = Timestamptz(null=True, default=None)
    services = JSON(default="[]", help_text="Service slugs; [] means every service.")
    powers = JSON(default="[]", help_text="follow, apply, documents (delegation.powers).")
    valid_until = Date(help_text="Last day it may be used (Asia/Bangkok); at most a year.")
    created_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    end_reason = Varchar(
        length=24, default="", help_text="revoked, declined, account_frozen or account_erased."
    )
    ended_by = Integer(null=True, default=None)
    kiosk_id = Integer(
        null=True, default=None, help_text="Made in person at this kiosk (both ID cards seen)."
    )
    operator_id = Integer(null=True, default=None)
