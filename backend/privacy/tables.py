"""The audit log: who read or changed whose data, when, from where. Append-only: the code never
updates or deletes a row (erasure keeps the entries, minus personal detail)."""

from __future__ import annotations

from piccolo.columns import BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["AuditEntry"]


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
