"""Promised dates count government working days: weekends, Thai public holidays and
government-office closing days are skipped."""

from __future__ import annotations

import datetime as dt

from backend.lib.workdays import BANGKOK, due_at, expected_by, is_working_day


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BANGKOK)


def test_holidays_and_weekends_are_skipped() -> None:
    # Friday 4 Dec 2026; Sat 5 (King Bhumibol's birthday), Mon 7 (its day in lieu) and
    # Thu 10 (Constitution Day) are not working days.
    assert not is_working_day(dt.date(2026, 12, 7))
    assert not is_working_day(dt.date(2026, 12, 10))
    assert is_working_day(dt.date(2026, 12, 8))
    assert expected_by(at("2026-12-04"), 1) == dt.date(2026, 12, 8)
    assert expected_by(at("2026-12-04"), 3) == dt.date(2026, 12, 11)
    # Songkran (13-15 April 2026) and the Royal Ploughing Ceremony (a government holiday).
    assert expected_by(at("2026-04-10"), 1) == dt.date(2026, 4, 16)
    assert not is_working_day(dt.date(2026, 5, 13))


def test_the_day_is_thailands_and_the_promise_ends_at_its_midnight() -> None:
    # 20:00 UTC on Thursday is already Friday in Bangkok: counting starts after Friday.
    late = dt.datetime(2026, 11, 19, 20, 0, tzinfo=dt.UTC)
    assert expected_by(late, 1) == dt.date(2026, 11, 23)
    assert due_at(late, 1) == dt.datetime(2026, 11, 24, tzinfo=BANGKOK)
    assert expected_by(late, 0) is None
    assert due_at(late, 0) == late
