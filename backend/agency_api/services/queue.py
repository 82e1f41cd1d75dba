"""The officer console's queue: the agency's applications, longest waiting first, filtered
by status, service, age, or found by tracking code or the applicant's ID number (through the
blind index: the number itself is neither stored in clear nor written to the audit log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.accounts.national_ids import index_of, normalise
from backend.accounts.tables import Account
from backend.agency_api.schemas import OfficerQueue, OfficerQueueItem
from backend.agency_api.services.applications import visible
from backend.applications import services as applications
from backend.applications.status import ACTIVE
from backend.applications.tables import Application
from backend.fees.services import fee_views
from backend.lib.db import write_transaction
from backend.lib.schema import I18n
from backend.lib.thai_id import is_valid_thai_id
from backend.lib.workdays import due_at
from backend.system.audit import Actor, record

__all__ = ["officer_queue", "search_condition"]


async def search_condition(q: str) -> tuple[Any, str]:
    """What a search box's text finds, and how the audit log may name it: a valid 13-digit
    ID number finds that person's applications (by the account's blind index, "national_id"
    in the log), anything else is a tracking code (named in the log as typed)."""
    typed = normalise(q.strip())
    if len(typed) == 13 and typed.isdigit() and is_valid_thai_id(typed):
        holder = await Account.select(Account.id).where(
            Account.national_id_index == index_of(typed)
        )
        if not holder:
            return Application.id == -1, "national_id"  # nobody: an empty result
        return Application.account == holder[0]["id"], "national_id"
    code = q.strip().upper()
    return Application.tracking_code == code, code


def _promise(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """An undecided application's promised decision date, and whether it has passed."""
    last = applications.expected(row)
    if last is None:
        return {}
    return {
        "expected_by": last,
        "overdue": now > due_at(row["submitted_at"], row["processing_days"]),
    }


async def officer_queue(
    agency_id: int,
    *,
    status: str | None,
    service: str | None,
    min_age_days: int | None,
    max_age_days: int | None,
    limit: int,
    offset: int,
    actor: Actor,
    q: str | None = None,
) -> OfficerQueue:
    """The agency's applications, oldest submission first: what has waited longest is on
    top. Without `status`, only those still being worked on, unless searching (`q`: a
    tracking code or an ID number finds decided ones too). The listing is audited: who
    looked, with which filters, and which applications it showed."""
    condition = visible(agency_id)
    searched = None
    if q:
        found, searched = await search_condition(q)
        condition &= found
    if status is not None:
        condition &= Application.status == status
    elif not q:
        condition &= Application.status.is_in(sorted(ACTIVE))
    if service is not None:
        condition &= Application.service.slug == service
    now = dt.datetime.now(dt.UTC)
    if min_age_days is not None:
        condition &= Application.submitted_at <= now - dt.timedelta(days=min_age_days)
    if max_age_days is not None:
        condition &= Application.submitted_at >= now - dt.timedelta(days=max_age_days)
    rows = (
        await Application.select(
            Application.id,
            Application.tracking_code,
            Application.status,
            Application.updated_at,
            Application.submitted_at,
            Application.service.slug.as_alias("service_slug"),
            Application.service.name_th.as_alias("service_th"),
            Application.service.name_en.as_alias("service_en"),
            Application.service.processing_days.as_alias("processing_days"),
            Application.account.assurance.as_alias("assurance"),
            Application.identity_disputed,
        )
        .where(condition)
        .order_by(Application.submitted_at)
        .order_by(Application.id)
        .limit(limit)
        .offset(offset)
    )
    total = await Application.count().where(condition)
    fees = await fee_views([r["id"] for r in rows])
    filters = {
        "status": status,
        "search": searched,
        "service": service,
        "min_age_days": min_age_days,
        "max_age_days": max_age_days,
    }
    async with write_transaction():
        await record(
            "officer.queue_read",
            actor,
            object_type="agency",
            object_id=agency_id,
            detail={
                "via": "officer_console",
                "filters": {k: v for k, v in filters.items() if v is not None},
                "limit": limit,
                "offset": offset,
                "applications": [r["id"] for r in rows],
            },
        )
    return OfficerQueue(
        items=[
            OfficerQueueItem(
                id=r["id"],
                tracking_code=r["tracking_code"],
                status=r["status"],
                service=r["service_slug"],
                service_name=I18n(th=r["service_th"], en=r["service_en"]),
                updated_at=r["updated_at"],
                submitted_at=r["submitted_at"],
                age_days=(now - r["submitted_at"]).days if r["submitted_at"] else 0,
                assurance=r["assurance"],
                identity_disputed=r["identity_disputed"],
                fee=fees[r["id"]].state if r["id"] in fees else None,
                fee_satang=fees[r["id"]].amount_satang if r["id"] in fees else None,
                **_promise(r, now),
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
