"""The performance figures as the page, the API, the CSV and the officer console give them.

Every figure is a `Figure`: a value, or null with the reason it is not shown. Shares are
percentages (one decimal), durations days (one decimal); months are calendar months in
Thailand's time (UTC+7) of the submission."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from backend.applications.status import Status
from backend.lib.schema import I18n, Struct

__all__ = [
    "Backlog",
    "EService",
    "Figure",
    "MonthFigures",
    "OfficerPerformance",
    "OverdueApplication",
    "ServicePerformance",
    "Snapshot",
    "Unshown",
]

Unshown = Literal["fewer_than_10_applications"]
"""Why a figure is null: too few applications to publish it without risk of pointing at a
person."""


class Figure(Struct):
    value: float | None
    reason: Unshown | None = None


class MonthFigures(Struct):
    """Applications submitted in one month, and what became of them so far."""

    month: str
    received: Figure
    online_pct: Figure
    """Made online by the citizen themself."""
    kiosk_pct: Figure
    """Made at a kiosk by an operator in an assisted session."""
    delegate_pct: Figure
    """Made for the citizen by a person they authorised (a delegate)."""
    median_days: Figure
    """Submission to decision (approved or rejected), of those decided."""
    p90_days: Figure
    within_promise_pct: Figure
    """Decided by the promised deadline, of those decided or already past it."""
    push_pct: Figure
    """Applicants with at least one device registered for push notifications."""


class Backlog(Struct):
    """Applications still being worked on, now."""

    total: Figure
    by_status: dict[str, Figure]
    median_age_days: Figure
    p90_age_days: Figure
    overdue: Figure
    """Past the service's promised deadline and still undecided."""


class EService(Struct):
    """The share of an agency's published services a citizen completes end to end in the
    portal: apply, follow, receive the decision and pay."""

    services: int
    end_to_end: int
    pct: float | None


class ServicePerformance(Struct):
    slug: str
    name: I18n
    promised_days: int
    """Working days (Monday to Friday) to a decision the service promises; 0: no promise."""
    end_to_end: bool
    months: list[MonthFigures]
    backlog: Backlog


class AgencyPerformance(Struct):
    code: str
    name: I18n
    e_service: EService
    months: list[MonthFigures]
    backlog: Backlog
    services: list[ServicePerformance]


class Snapshot(Struct):
    computed_at: dt.datetime
    months: list[str]
    """Oldest first; the current month last."""
    min_applications: int
    agencies: list[AgencyPerformance]


class OverdueApplication(Struct):
    id: int
    tracking_code: str
    service: str
    service_name: I18n
    status: Status
    submitted_at: dt.datetime
    due_at: dt.datetime
    days_overdue: int


class OfficerPerformance(Struct):
    """My agency's figures (null before the first refresh) and its applications past the
    promised deadline, longest overdue first."""

    computed_at: dt.datetime | None
    agency: AgencyPerformance | None
    overdue: list[OverdueApplication]
    overdue_total: int
