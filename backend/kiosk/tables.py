"""Kiosk devices and the assisted sessions operators run on them."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
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

__all__ = ["AssistedSession", "Kiosk", "StaffAlert", "StaffApproval"]


class Kiosk(Table, tablename="kiosk"):
    """A shared device at an office. A browser becomes this kiosk by presenting a one-time
    activation code; it then holds a device token (cookie) whose hash is kept here."""

    id = Serial(primary_key=True)
    name = Varchar(length=120, help_text="Office name, e.g. ที่ว่าการอำเภอเมืองขอนแก่น.")
    district = Varchar(length=80)
    province = Varchar(length=80)
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, default=None)
    activation_code_hash = Varchar(length=64, null=True, default=None, unique=True)
    activation_expires_at = Timestamptz(null=True, default=None)
    device_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    activated_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AssistedSession(Table, tablename="assisted_session"):
    """An operator acting for one citizen at one kiosk, from consent to finish or timeout."""

    id = Serial(primary_key=True)
    kiosk = ForeignKey(references=Kiosk, null=False, on_delete=OnDelete.restrict)
    operator = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    operator_session = ForeignKey(
        references=Session, null=False, on_delete=OnDelete.cascade, index=True
    )
    citizen = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    started_at = Timestamptz()
    last_activity_at = Timestamptz()
    id_card_checked = Boolean(default=False, help_text="The operator saw the citizen's ID card.")
    consent_method = Varchar(
        length=24,
        default="",
        help_text="citizen_passkey, phone_approval, in_person_id_check or in_person_override.",
    )
    consent_scope = Text(default="[]", help_text="JSON list of what the citizen agreed to.")
    consent_at = Timestamptz(null=True, default=None)
    consent_code_hash = Varchar(length=64, null=True, default=None, unique=True)
    consent_code_expires_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    end_reason = Varchar(length=16, default="", help_text="finished, timeout or replaced.")


class StaffApproval(Table, tablename="staff_approval"):
    """A second staff member's yes, given with their own passkey at the kiosk, to one action
    the operator may not take alone in this assisted session (a recovery code for a citizen
    who can still sign in; in-person consent for a citizen who could consent otherwise).
    Used once."""

    id = Serial(primary_key=True)
    assisted = ForeignKey(references=AssistedSession, null=False, on_delete=OnDelete.cascade)
    action = Varchar(length=24, help_text="recovery_code or in_person_consent.")
    approver = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    reason = Text(default="")
    at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class StaffAlert(Table, tablename="staff_alert"):
    """An operator reached their daily limit of an in-person power (settings
    `staff_daily_limit`) and was refused the next: for admins to look into."""

    id = Serial(primary_key=True)
    at = Timestamptz()
    operator = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    kiosk = ForeignKey(references=Kiosk, null=False, on_delete=OnDelete.restrict)
    action = Varchar(length=24, help_text="recovery_code, id_card_check or in_person_consent.")
    times = Integer(help_text="How many in the last 24 hours when refused.")
    daily_limit = Integer()
