"""Limits on an operator's in-person powers: per operator per 24 hours, recovery codes issued,
ID-card checks recorded and in-person consents are each counted; past
`settings.staff_daily_limit` the next is refused and an alert is kept for admins. Counted from
the rows those acts leave (codes, assisted sessions), so nothing else needs to be kept."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from backend.accounts.tables import OneTimeCode
from backend.kiosk.errors import StaffLimitReachedError
from backend.kiosk.services.kiosks import utc_now
from backend.kiosk.tables import AssistedSession, StaffAlert
from backend.lib.db import write_transaction
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.tables import AuditEntry

__all__ = ["Power", "alerts", "within_daily_limit"]

Power = Literal["recovery_code", "id_card_check", "in_person_consent", "identity_claim"]

DAY = dt.timedelta(hours=24)


async def _count(operator_id: int, power: Power) -> int:
    since = utc_now() - DAY
    if power == "recovery_code":
        return int(
            await OneTimeCode.count().where(
                (OneTimeCode.issued_by == operator_id)
                & (OneTimeCode.purpose == "recovery")
                & (OneTimeCode.created_at > since)
            )
        )
    if power == "identity_claim":
        return int(
            await AuditEntry.count().where(
                (AuditEntry.action == "account.identity_claimed")
                & (AuditEntry.actor_account_id == operator_id)
                & (AuditEntry.at > since)
            )
        )
    sessions = (AssistedSession.operator == operator_id) & (AssistedSession.started_at > since)
    if power == "id_card_check":
        return int(
            await AssistedSession.count().where(sessions & AssistedSession.id_card_checked.eq(True))
        )
    return int(
        await AssistedSession.count().where(
            sessions
            & AssistedSession.consent_method.is_in(["in_person_id_check", "in_person_override"])
        )
    )


async def within_daily_limit(
    operator: Actor, kiosk_id: int, power: Power, settings: Settings
) -> None:
    """Refuse (403) and alert the admins when the operator already used `power` as often as
    a day allows. Call before the act's transaction: the alert must stay when it fails."""
    assert operator.account_id is not None
    count = await _count(operator.account_id, power)
    if count < settings.staff_daily_limit:
        return
    async with write_transaction():
        await StaffAlert.insert(
            StaffAlert(
                at=utc_now(),
                operator=operator.account_id,
                kiosk=kiosk_id,
                action=power,
                times=count,
                daily_limit=settings.staff_daily_limit,
            )
        )
        await record(
            "staff.limit_reached",
            operator,
            detail={"power": power, "count": count, "limit": settings.staff_daily_limit},
        )
    raise StaffLimitReachedError()


async def alerts(limit: int = 100) -> list[dict[str, Any]]:
    """The newest alerts, with the operator's and kiosk's names."""
    rows = await (
        StaffAlert.select(
            StaffAlert.id,
            StaffAlert.at,
            StaffAlert.operator,
            StaffAlert.operator.full_name.as_alias("operator_name"),
            StaffAlert.kiosk,
            StaffAlert.kiosk.name.as_alias("kiosk_name"),
            StaffAlert.action,
            StaffAlert.times,
            StaffAlert.daily_limit,
        )
        .order_by(StaffAlert.id, ascending=False)
        .limit(limit)
    )
    return [dict(r) for r in rows]
