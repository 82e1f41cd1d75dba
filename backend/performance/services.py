"""Compute the figures from the applications and their status history, keep them in one
cached row, and read them back: a visit to `/performance` reads one row, never aggregates.

Refreshed by housekeeping (every `portal worker`, hourly, see plugin.py) and by
`portal performance`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.accounts.tables import Account
from backend.applications.status import ACTIVE
from backend.applications.tables import Application, StatusEvent
from backend.catalog.tables import Agency, Service
from backend.lib.db import write_transaction
from backend.lib.schema import I18n
from backend.notifications.tables import PushSubscription
from backend.performance.errors import UnknownAgencyError, UnknownMonthError
from backend.performance.figures import (
    MIN_APPLICATIONS,
    AppRow,
    backlog,
    month_figures,
    months_back,
)
from backend.performance.schemas import (
    AgencyPerformance,
    EService,
    MonthFigures,
    ServicePerformance,
    Snapshot,
)
from backend.performance.tables import PerformanceSnapshot

__all__ = [
    "MONTHS",
    "compute",
    "latest",
    "narrowed",
    "payable_in_portal",
    "refresh",
]

MONTHS = 12
"""How many calendar months the figures cover, the current one included."""

DECISIONS = ("approved", "rejected")


@dataclass(frozen=True, slots=True)
class _Service:
    id: int
    slug: str
    agency: int
    name: I18n
    promised_days: int
    fee_satang: int
    published: bool


def payable_in_portal(service: _Service) -> bool:
    """Whether a citizen can pay this service's fee in the portal. Fees are not payable here
    yet, so only a free service qualifies; the fees work (issue 18, points 1-4) extends this
    one function when Thai QR payment lands."""
    return service.fee_satang == 0


def completes_in_portal(service: _Service) -> bool:
    """The e-service indicator's test: a citizen applies, follows, receives the decision (all
    of which every published service offers) and pays, all in the portal."""
    return service.published and payable_in_portal(service)


async def _catalog() -> tuple[list[dict[str, Any]], list[_Service]]:
    agencies = await Agency.select(Agency.id, Agency.code, Agency.name_th, Agency.name_en).order_by(
        Agency.code
    )
    services = [
        _Service(
            id=r["id"],
            slug=r["slug"],
            agency=r["agency"],
            name=I18n(th=r["name_th"], en=r["name_en"]),
            promised_days=r["processing_days"],
            fee_satang=r["fee_satang"],
            published=r["published"],
        )
        for r in await Service.select(
            Service.id,
            Service.slug,
            Service.agency,
            Service.name_th,
            Service.name_en,
            Service.processing_days,
            Service.fee_satang,
            Service.published,
        ).order_by(Service.slug)
    ]
    return agencies, services


async def _operators(account_ids: set[int]) -> set[int]:
    """Which submitters are operators (at a kiosk); the others are delegates, citizens the
    applicant authorised (applications.Application.submitted_by)."""
    if not account_ids:
        return set()
    rows = await Account.select(Account.id).where(
        Account.id.is_in(sorted(account_ids)) & (Account.role == "operator")
    )
    return {r["id"] for r in rows}


async def _month_rows(start: dt.datetime, end: dt.datetime) -> list[AppRow]:
    """The applications submitted in [start, end), with their first decision."""
    # SQLite keeps timestamps as UTC text: compare with UTC values.
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    submitted = (
        (Application.submitted_at >= start)
        & (Application.submitted_at < end)
        & Application.deleted_at.is_null()
        & (Application.status != "draft")
    )
    apps = await Application.select(
        Application.id,
        Application.service,
        Application.agency,
        Application.account,
        Application.submitted_at,
        Application.submitted_by,
        Application.status,
    ).where(submitted)
    decided: dict[int, dt.datetime] = {}
    for event in await StatusEvent.select(StatusEvent.application, StatusEvent.at).where(
        StatusEvent.status.is_in(list(DECISIONS))
        & (StatusEvent.application.submitted_at >= start)
        & (StatusEvent.application.submitted_at < end)
    ):
        app, at = event["application"], event["at"]
        if app not in decided or at < decided[app]:
            decided[app] = at
    pushed = {
        r["account"]
        for r in await PushSubscription.select(PushSubscription.account)
        .where(
            PushSubscription.account.is_in(Application.select(Application.account).where(submitted))
        )
        .distinct()
    }
    operators = await _operators({a["submitted_by"] for a in apps if a["submitted_by"]})
    return [
        AppRow(
            service=a["service"],
            agency=a["agency"],
            applicant=a["account"],
            submitted_at=a["submitted_at"],
            status=a["status"],
            by_operator=a["submitted_by"] in operators,
            by_delegate=bool(a["submitted_by"]) and a["submitted_by"] not in operators,
            decided_at=decided.get(a["id"]),
            applicant_has_push=a["account"] in pushed,
        )
        for a in apps
    ]


async def _active_rows() -> list[AppRow]:
    return [
        AppRow(
            service=a["service"],
            agency=a["agency"],
            applicant=0,
            submitted_at=a["submitted_at"],
            status=a["status"],
        )
        for a in await Application.select(
            Application.service, Application.agency, Application.submitted_at, Application.status
        ).where(
            Application.status.is_in(sorted(ACTIVE))
            & Application.deleted_at.is_null()
            & Application.submitted_at.is_not_null()
        )
    ]


def _grouped(rows: Sequence[AppRow]) -> dict[tuple[str, int], list[AppRow]]:
    """Rows by ("agency", id) and by ("service", id)."""
    groups: dict[tuple[str, int], list[AppRow]] = {}
    for r in rows:
        groups.setdefault(("agency", r.agency), []).append(r)
        groups.setdefault(("service", r.service), []).append(r)
    return groups


async def compute(now: dt.datetime | None = None) -> Snapshot:
    """Every agency's and service's figures from the database, as of `now`."""
    now = now or dt.datetime.now(dt.UTC)
    agencies, services = await _catalog()
    promise = {s.id: s.promised_days for s in services}
    promised_days = promise.__getitem__
    by_month: list[tuple[str, dict[tuple[str, int], list[AppRow]]]] = []
    used: set[int] = set()
    for month, start, end in months_back(now, MONTHS):
        rows = await _month_rows(start, end)
        by_month.append((month, _grouped(rows)))
        used |= {r.service for r in rows}
    active = _grouped(await _active_rows())
    used |= {service for kind, service in active if kind == "service"}

    def months_of(unit: tuple[str, int]) -> list[MonthFigures]:
        return [
            month_figures(month, groups.get(unit, []), promised_days, now)
            for month, groups in by_month
        ]

    shown: list[AgencyPerformance] = []
    for agency in agencies:
        own = [s for s in services if s.agency == agency["id"] and (s.published or s.id in used)]
        if not own:
            continue
        published = [s for s in own if s.published]
        complete = sum(1 for s in published if completes_in_portal(s))
        shown.append(
            AgencyPerformance(
                code=agency["code"],
                name=I18n(th=agency["name_th"], en=agency["name_en"]),
                e_service=EService(
                    services=len(published),
                    end_to_end=complete,
                    pct=round(100 * complete / len(published), 1) if published else None,
                ),
                months=months_of(("agency", agency["id"])),
                backlog=backlog(active.get(("agency", agency["id"]), []), promised_days, now),
                services=[
                    ServicePerformance(
                        slug=s.slug,
                        name=s.name,
                        promised_days=s.promised_days,
                        end_to_end=completes_in_portal(s),
                        months=months_of(("service", s.id)),
                        backlog=backlog(active.get(("service", s.id), []), promised_days, now),
                    )
                    for s in own
                ],
            )
        )
    return Snapshot(
        computed_at=now,
        months=[month for month, _ in by_month],
        min_applications=MIN_APPLICATIONS,
        agencies=shown,
    )


async def refresh(now: dt.datetime | None = None) -> Snapshot:
    """Compute the figures and make them the ones shown (older snapshots deleted)."""
    snapshot = await compute(now)
    async with write_transaction():
        inserted = await PerformanceSnapshot.insert(
            PerformanceSnapshot(
                computed_at=snapshot.computed_at,
                body=msgspec.json.encode(snapshot).decode(),
            )
        ).returning(PerformanceSnapshot.id)
        await PerformanceSnapshot.delete().where(PerformanceSnapshot.id != inserted[0]["id"])
    return snapshot


_decoded: tuple[tuple[int, dt.datetime], Snapshot] | None = None
"""The last snapshot read by this process, by (id, computed_at): a visit then reads only the
newest row's key, not its body."""


async def latest() -> Snapshot | None:
    """The figures shown now, or None before the first refresh."""
    global _decoded
    newest = (
        await PerformanceSnapshot.select(PerformanceSnapshot.id, PerformanceSnapshot.computed_at)
        .order_by(PerformanceSnapshot.id, ascending=False)
        .first()
    )
    if newest is None:
        return None
    key = (newest["id"], newest["computed_at"])
    if _decoded is not None and _decoded[0] == key:
        return _decoded[1]
    row = (
        await PerformanceSnapshot.select(PerformanceSnapshot.body)
        .where(PerformanceSnapshot.id == newest["id"])
        .first()
    )
    if row is None:  # replaced meanwhile by a refresh: the next visit gets the new one
        return None
    snapshot = msgspec.json.decode(row["body"], type=Snapshot)
    _decoded = (key, snapshot)
    return snapshot


def narrowed(snapshot: Snapshot, agency: str | None, month: str | None) -> Snapshot:
    """The snapshot kept to one agency and/or one month (404 for ones it does not hold)."""
    if month is not None and month not in snapshot.months:
        raise UnknownMonthError()
    agencies = snapshot.agencies
    if agency is not None:
        agencies = [a for a in agencies if a.code == agency.upper()]
        if not agencies:
            raise UnknownAgencyError()
    if month is None:
        return msgspec.structs.replace(snapshot, agencies=agencies)

    def keep(months: list[MonthFigures]) -> list[MonthFigures]:
        return [m for m in months if m.month == month]

    return msgspec.structs.replace(
        snapshot,
        months=[month],
        agencies=[
            msgspec.structs.replace(
                a,
                months=keep(a.months),
                services=[msgspec.structs.replace(s, months=keep(s.months)) for s in a.services],
            )
            for a in agencies
        ],
    )
