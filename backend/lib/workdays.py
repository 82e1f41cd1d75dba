"""Government working days in Thailand: Monday to Friday, except public holidays and the days
government offices close (the `holidays` package's calendar for TH, kept up to date by its
maintainers as the cabinet announces days; update the package each year). A service's
processing time is promised in such days, counted from the day after submission."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

__all__ = ["BANGKOK", "due_at", "expected_by", "is_working_day"]

BANGKOK = ZoneInfo("Asia/Bangkok")


@functools.cache
def _closed(year: int) -> frozenset[dt.date]:
    import holidays  # on first use: half a second every process start would pay otherwise

    days = holidays.country_holidays("TH", years=year, categories=("public", "government"))
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _closed(day.year)


@functools.lru_cache(maxsize=4096)
def _nth_working_day_after(day: dt.date, working_days: int) -> dt.date:
    left = working_days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def expected_by(submitted_at: dt.datetime, working_days: int) -> dt.date | None:
    """The last day of the promise (Thai date): the `working_days`-th working day after the
    day of submission; None when the service promises nothing (0 days)."""
    if working_days <= 0:
        return None
    return _nth_working_day_after(submitted_at.astimezone(BANGKOK).date(), working_days)


def due_at(submitted_at: dt.datetime, working_days: int) -> dt.datetime:
    """The moment the promise runs out: the end of `expected_by`'s day, Thai time (the
    submission moment itself when nothing is promised)."""
    last = expected_by(submitted_at, working_days)
    if last is None:
        return submitted_at
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BANGKOK)
