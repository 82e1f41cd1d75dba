"""Recovery codes are issued in person only: at an activated kiosk, in an open assisted
session, for that session's citizen, after their ID card was checked in that session. For a
citizen who can still sign in (an active passkey) or who proved who they are with a digital ID,
a second staff member approves first: an operator alone cannot take over such an account."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.national_ids import normalise
from backend.kiosk.assist import office
from backend.kiosk.errors import (
    KioskRequiredError,
    NoAssistedSessionError,
    RecoveryInPersonOnlyError,
)
from backend.kiosk.services.approvals import take_approval
from backend.kiosk.services.assisted import Operator, current_assisted
from backend.kiosk.services.limits import within_daily_limit
from backend.lib.db import write_transaction
from backend.settings import Settings

__all__ = ["needs_second_staff", "recovery_code"]


def needs_second_staff(assisted: dict[str, Any]) -> bool:
    return bool(assisted["has_passkey"]) or assisted["citizen_assurance"] == "verified_digital_id"


async def recovery_code(
    operator: Operator, national_id: str, settings: Settings
) -> tuple[str, dt.datetime, int]:
    """The code for the citizen in front of the operator (`national_id` must be theirs)."""
    try:
        assisted = await current_assisted(operator)
    except (NoAssistedSessionError, KioskRequiredError) as exc:
        raise RecoveryInPersonOnlyError() from exc
    wanted = normalise(national_id)
    held = assisted["citizen_national_id"] or ""
    if not hmac.compare_digest(wanted.encode(), held.encode()) or not assisted["id_card_checked"]:
        raise RecoveryInPersonOnlyError()
    await within_daily_limit(operator.actor, operator.kiosk_id, "recovery_code", settings)
    approval = None
    if needs_second_staff(assisted):
        async with write_transaction():  # used even if the code is then refused (a limit)
            approval = await take_approval(assisted["id"], "recovery_code")
    return await accounts.issue_recovery_code(
        operator.actor,
        wanted,
        approved_by=approval["approver"] if approval else None,
        where=await office(operator.kiosk_id),
    )
