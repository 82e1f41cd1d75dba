"""Four eyes at a kiosk: some actions an operator may not take alone. A second staff member
(an operator or an admin, not the one serving) confirms with their own passkey on the kiosk,
with a reason; the approval is kept on the assisted session, used once, and both names are in
the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from backend.accounts import services as accounts
from backend.kiosk.errors import ApprovalRequiredError
from backend.kiosk.services.assisted import Operator, current_assisted
from backend.kiosk.services.kiosks import utc_now
from backend.kiosk.tables import StaffApproval
from backend.lib.db import write_transaction
from backend.lib.errors import AuthorizationError
from backend.settings import Settings
from backend.system.audit import record

__all__ = ["APPROVAL_TTL", "Action", "approval_options", "approve", "take_approval"]

Action = Literal["recovery_code", "in_person_consent", "identity_claim"]

APPROVAL_TTL = dt.timedelta(minutes=10)
"""An approval is for the case at the counter now, not for later."""

APPROVERS = ("operator", "admin")
PURPOSE = "approve"


async def approval_options(
    operator: Operator, settings: Settings, action: Action, reason: str
) -> dict[str, Any]:
    """Passkey options for the second staff member to approve `action` for `reason`, bound
    to this operator's session."""
    await current_assisted(operator)
    ceremony = accounts.Ceremony(operator.session_id, operator.actor)
    what = {"action": action, "reason": reason.strip()}
    return await accounts.begin_staff_check(ceremony, settings, PURPOSE, what)


async def approve(operator: Operator, settings: Settings, credential: Any) -> tuple[int, str]:
    """Record the second staff member's approval, of what the options named, in the open
    assisted session; its id and action."""
    assisted = await current_assisted(operator)
    ceremony = accounts.Ceremony(operator.session_id, operator.actor)
    approver, what = await accounts.finish_staff_check(
        ceremony, settings, credential, PURPOSE, APPROVERS
    )
    action, reason = str(what["action"]), str(what["reason"])
    if approver == operator.account_id:
        raise AuthorizationError(
            "Another staff member must approve, not the one serving.",
            "ต้องให้เจ้าหน้าที่อีกคนหนึ่งอนุมัติ ไม่ใช่ผู้ที่ให้บริการอยู่",
            code="second_staff_required",
        )
    async with write_transaction():
        row = StaffApproval(
            assisted=assisted["id"],
            action=action,
            approver=approver,
            reason=reason,
            at=utc_now(),
        )
        await row.save()
        await record(
            "assisted.approved",
            operator.actor,
            subject_account_id=assisted["citizen"],
            object_type="assisted_session",
            object_id=assisted["id"],
            detail={"action": action, "approver_id": approver, "reason": reason},
        )
    return int(row.id), action


async def take_approval(assisted_id: int, action: Action) -> dict[str, Any]:
    """Use the session's fresh, unused approval of `action` (inside the action's
    transaction); without one, 403 saying a second staff member must approve."""
    row = (
        await StaffApproval.select()
        .where(
            (StaffApproval.assisted == assisted_id)
            & (StaffApproval.action == action)
            & StaffApproval.used_at.is_null()
            & (StaffApproval.at > utc_now() - APPROVAL_TTL)
        )
        .order_by(StaffApproval.id, ascending=False)
        .first()
    )
    if row is None:
        raise ApprovalRequiredError()
    used = await (
        StaffApproval.update({StaffApproval.used_at: utc_now()})
        .where((StaffApproval.id == row["id"]) & StaffApproval.used_at.is_null())
        .returning(StaffApproval.id)
    )
    if not used:  # another request used it first
        raise ApprovalRequiredError()
    return dict(row)
