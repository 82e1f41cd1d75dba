"""The figures, computed from plain rows (no database here): counts, shares, percentiles,
the promised deadline and the suppression of anything drawn from too few applications."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from backend.applications.status import ACTIVE
from backend.performance.schemas import Backlog, Figure, MonthFigures

__all__ = [
    "BACKLOG_STATUSES",
    "MIN_APPLICATIONS",
    "THAI_TIME",
    "AppRow",
    "backlog",
    "due_at",
    "month_figures",
    "month_of",
    "months_back",
    "nearest_rank",
]

MIN_APPLICATIONS = 10
"""A figure drawn from fewer applications (or applicants) is not published: with a handful,
a share or a duration can point at one person's case (issue 18, point 6)."""

THAI_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Months and working days are Thailand's (UTC+7 all year, no daylight saving)."""

BACKLOG_STATUSES = ("submitted", "received", "in_review", "needs_info")
assert set(BACKLOG_STATUSES) == ACTIVE

SUPPRESSED = Figure(value=None, reason="fewer_than_10_applications")

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class AppRow:
    """What the figures need of one submitted application: no answers, no names."""

    service: int
    agency: int
    applicant: int
    submitted_at: dt.datetime
    status: str
    by_operator: bool = False
    by_delegate: bool = False
    decided_at: dt.datetime | None = None
    applicant_has_push: bool = False


def month_of(at: dt.datetime) -> str:
    return at.astimezone(THAI_TIME).strftime("%Y-%m")


def months_back(now: dt.datetime, count: int) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The last `count` calendar months up to `now`'s, oldest first: (YYYY-MM, start, end)."""
    local = now.astimezone(THAI_TIME)
    year, month = local.year, local.month
    found = []
    for _ in range(count):
        start = dt.datetime(year, month, 1, tzinfo=THAI_TIME)
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=THAI_TIME)
        found.append((f"{year:04d}-{month:02d}", start, end))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def due_at(submitted_at: dt.datetime, working_days: int) -> dt.datetime:
    """The promised deadline: the end of the `working_days`-th working day (Monday to Friday,
    Thai time) after the day of submission. Public holidays are not known to the portal, so
    a promise spanning one is held a day early."""
    day = submitted_at.astimezone(THAI_TIME).date()
    left = working_days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), THAI_TIME)


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent` % of the
    values at or below it (always one of the values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def _count(n: int) -> Figure:
    return Figure(value=n) if n >= MIN_APPLICATIONS else SUPPRESSED


def _pct(part: int, whole: int) -> Figure:
    return Figure(value=round(100 * part / whole, 1)) if whole >= MIN_APPLICATIONS else SUPPRESSED


def _days(values: Sequence[float], measure: Callable[[Sequence[float]], float]) -> Figure:
    return (
        Figure(value=round(measure(values), 1)) if len(values) >= MIN_APPLICATIONS else SUPPRESSED
    )


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _p90(values: Sequence[float]) -> float:
    return nearest_rank(values, 90)


def month_figures(
    month: str,
    rows: Sequence[AppRow],
    promised_days: Callable[[int], int],
    now: dt.datetime,
) -> MonthFigures:
    """The figures of the applications submitted in `month` (`rows`, of one service or one
    agency). `promised_days(service)` is a service's promise in working days (0: none)."""
    n = len(rows)
    online = sum(1 for r in rows if not r.by_operator and not r.by_delegate)
    kiosk = sum(1 for r in rows if r.by_operator)
    delegated = sum(1 for r in rows if r.by_delegate)
    durations = [
        (r.decided_at - r.submitted_at).total_seconds() / DAY_S
        for r in rows
        if r.decided_at is not None
    ]
    within = late = 0
    for r in rows:
        days = promised_days(r.service)
        if days <= 0:
            continue
        deadline = due_at(r.submitted_at, days)
        if r.decided_at is not None:
            within, late = (within + 1, late) if r.decided_at <= deadline else (within, late + 1)
        elif r.status in ACTIVE and now > deadline:
            late += 1
    applicants: dict[int, bool] = {}
    for r in rows:
        applicants[r.applicant] = applicants.get(r.applicant, False) or r.applicant_has_push
    return MonthFigures(
        month=month,
        received=_count(n),
        online_pct=_pct(online, n),
        kiosk_pct=_pct(kiosk, n),
        delegate_pct=_pct(delegated, n),
        median_days=_days(durations, _median),
        p90_days=_days(durations, _p90),
        within_promise_pct=_pct(within, within + late),
        push_pct=_pct(sum(applicants.values()), len(applicants)),
    )


def backlog(
    rows: Iterable[AppRow], promised_days: Callable[[int], int], now: dt.datetime
) -> Backlog:
    """What is still being worked on (`rows`: active applications of one service or agency)."""
    active = [r for r in rows if r.status in ACTIVE]
    ages = [(now - r.submitted_at).total_seconds() / DAY_S for r in active]
    overdue = sum(
        1
        for r in active
        if promised_days(r.service) > 0 and now > due_at(r.submitted_at, promised_days(r.service))
    )
    return Backlog(
        total=_count(len(active)),
        by_status={s: _count(sum(1 for r in active if r.status == s)) for s in BACKLOG_STATUSES},
        median_age_days=_days(ages, _median),
        p90_age_days=_days(ages, _p90),
        overdue=_count(overdue),
    )
