"""The officer console's view: my agency's figures (from the cached snapshot) and its
applications past the promised deadline, which name applications and so stay behind the
officer's sign-in, scoped to their agency, and audited."""

from __future__ import annotations

import datetime as dt

from backend.accounts.tables import Account
from backend.agency_api.errors import NoAgencyError
from backend.applications.status import ACTIVE
from backend.applications.tables import Application
from backend.lib.db import write_transaction
from backend.lib.schema import I18n
from backend.performance.figures import due_at
from backend.performance.schemas import OfficerPerformance, OverdueApplication
from backend.performance.services import latest
from backend.system.audit import Actor, record

__all__ = ["OVERDUE_LISTED", "agency_of", "officer_performance", "overdue"]

OVERDUE_LISTED = 100
"""The officer console lists at most this many overdue applications (longest overdue first)."""


async def agency_of(account_id: int) -> tuple[int, str]:
    """The officer's agency: (id, code)."""
    row = (
        await Account.select(Account.agency, Account.agency.code.as_alias("code"))
        .where(Account.id == account_id)
        .first()
    )
    if row is None or row["agency"] is None:
        raise NoAgencyError()
    return int(row["agency"]), str(row["code"])


async def overdue(agency_id: int, now: dt.datetime) -> list[OverdueApplication]:
    """The agency's undecided applications past their service's promised deadline."""
    found = []
    for r in await Application.select(
        Application.id,
        Application.tracking_code,
        Application.status,
        Application.submitted_at,
        Application.service.slug.as_alias("slug"),
        Application.service.name_th.as_alias("name_th"),
        Application.service.name_en.as_alias("name_en"),
        Application.service.processing_days.as_alias("days"),
    ).where(
        (Application.agency == agency_id)
        & Application.status.is_in(sorted(ACTIVE))
        & Application.deleted_at.is_null()
        & Application.submitted_at.is_not_null()
        & (Application.service.processing_days > 0)
    ):
        due = due_at(r["submitted_at"], r["days"])
        if now > due:
            found.append(
                OverdueApplication(
                    id=r["id"],
                    tracking_code=r["tracking_code"],
                    service=r["slug"],
                    service_name=I18n(th=r["name_th"], en=r["name_en"]),
                    status=r["status"],
                    submitted_at=r["submitted_at"],
                    due_at=due,
                    days_overdue=(now - due).days,
                )
            )
    found.sort(key=lambda o: (o.due_at, o.id))
    return found


async def officer_performance(
    account_id: int, actor: Actor, now: dt.datetime | None = None
) -> OfficerPerformance:
    """My agency's figures and its overdue applications (the listing is audited)."""
    now = now or dt.datetime.now(dt.UTC)
    agency_id, code = await agency_of(account_id)
    snapshot = await latest()
    mine = next((a for a in snapshot.agencies if a.code == code), None) if snapshot else None
    late = await overdue(agency_id, now)
    listed = late[:OVERDUE_LISTED]
    async with write_transaction():
        await record(
            "officer.overdue_read",
            actor,
            object_type="agency",
            object_id=agency_id,
            detail={"via": "officer_console", "applications": [o.id for o in listed]},
        )
    return OfficerPerformance(
        computed_at=snapshot.computed_at if snapshot else None,
        agency=mine,
        overdue=listed,
        overdue_total=len(late),
    )
