"""A known history of applications, written straight into the tables with exact times, and
the figures it must give (see test_figures.py). Times are Thai (UTC+7).

- house-registration-move (DOPA, promise 3 working days, free):
  October: 12 submitted Monday 5 Oct 09:00 — 3 at a kiosk by an operator, 2 by a delegate (a
  citizen the applicant authorised), 6 applicants with a
  push subscription; 10 decided after 1, 1, 2, 2, 3, 4, 5, 6, 8, 10 days (due by the end of
  Thursday 8 Oct: the first five in time), one still in review (overdue), one withdrawn.
  November: 11 submitted Monday 16 Nov 09:00, online, none decided (10 submitted, 1 needing
  information), all overdue by Friday 20 Nov.
- id-card-replacement (DOPA, promise 1 working day, a fee): November: 4 submitted Thursday
  19 Nov 09:00 (one at a kiosk), 2 approved 12 hours later: every figure suppressed.
- A discarded draft, which counts nowhere.
`NOW` is Friday 20 Nov 2026 10:00.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

from backend.accounts.tables import Account
from backend.applications.tables import Application, StatusEvent
from backend.catalog.tables import Service
from backend.notifications.tables import PushSubscription

__all__ = ["NOW", "THAI", "build_history"]

THAI = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=THAI)
OCT_5 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=THAI)
NOV_16 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=THAI)
NOV_19 = dt.datetime(2026, 11, 19, 9, 0, tzinfo=THAI)
DECIDED_AFTER_DAYS = [1, 1, 2, 2, 3, 4, 5, 6, 8, 10]

_codes = itertools.count(1)


async def _account(role: str = "citizen") -> int:
    rows = await Account.insert(
        Account(user_handle=secrets.token_urlsafe(16), full_name="ทดสอบ", role=role)
    ).returning(Account.id)
    return int(rows[0]["id"])


async def _service(slug: str) -> tuple[int, int]:
    row = await Service.select(Service.id, Service.agency).where(Service.slug == slug).first()
    assert row is not None
    return int(row["id"]), int(row["agency"])


async def _application(
    slug: str,
    account: int,
    submitted_at: dt.datetime | None,
    history: list[tuple[str, dt.datetime]],
    *,
    operator: int | None = None,
) -> int:
    service, agency = await _service(slug)
    status = history[-1][0] if history else "draft"
    rows = await Application.insert(
        Application(
            tracking_code=f"TEST-{next(_codes):06d}",
            account=account,
            service=service,
            agency=agency,
            status=status,
            created_at=submitted_at or NOW,
            submitted_at=submitted_at,
            updated_at=history[-1][1] if history else NOW,
            submitted_by=operator,
        )
    ).returning(Application.id)
    app_id = int(rows[0]["id"])
    for state, at in history:
        await StatusEvent.insert(
            StatusEvent(application=app_id, status=state, actor_role="officer", at=at)
        )
    return app_id


async def build_history() -> dict[str, list[int]]:
    """Write the history; returns the application ids by group."""
    operator = await _account("operator")
    delegate = await _account()  # a citizen who acts for others they were authorised by
    day = dt.timedelta(days=1)
    october = []
    for i in range(12):
        citizen = await _account()
        if i < 6:
            await PushSubscription.insert(
                PushSubscription(
                    account=citizen,
                    endpoint=f"https://push.example/{i}-{secrets.token_hex(4)}",
                    p256dh="k",
                    auth="a",
                )
            )
        history = [("submitted", OCT_5), ("received", OCT_5 + dt.timedelta(hours=2))]
        if i < 10:
            decided = OCT_5 + DECIDED_AFTER_DAYS[i] * day
            history += [("in_review", OCT_5 + dt.timedelta(hours=3))]
            history += [("approved" if i % 2 else "rejected", decided)]
            if i == 1:  # completed later: the decision is the first one
                history += [("completed", decided + 5 * day)]
        elif i == 10:
            history += [("in_review", OCT_5 + day)]
        else:
            history += [("withdrawn", OCT_5 + day)]
        october.append(
            await _application(
                "house-registration-move",
                citizen,
                OCT_5,
                history,
                operator=operator if i < 3 else delegate if i in (3, 4) else None,
            )
        )
    november = []
    for i in range(11):
        history = [("submitted", NOV_16)]
        if i == 10:
            history += [("received", NOV_16 + day), ("needs_info", NOV_16 + 2 * day)]
        november.append(
            await _application("house-registration-move", await _account(), NOV_16, history)
        )
    few = []
    for i in range(4):
        history = [("submitted", NOV_19)]
        if i < 2:
            history += [("approved", NOV_19 + dt.timedelta(hours=12))]
        few.append(
            await _application(
                "id-card-replacement",
                await _account(),
                NOV_19,
                history,
                operator=operator if i == 0 else None,
            )
        )
    draft = await _application("house-registration-move", await _account(), None, [])
    await Application.update({Application.deleted_at: NOW}).where(Application.id == draft)
    return {"october": october, "november": november, "few": few, "draft": [draft]}
