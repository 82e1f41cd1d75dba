"""The visit on the citizen's view of an application (`parts.appointments`): its booking,
with the reference's QR for the kiosk, and whether its service can be booked. The app keeps
the application on the phone, so the booking shows offline too."""

from __future__ import annotations

from typing import Any

from piccolo.querystring import QueryString

from backend.applications.schemas import ApplicationDetail
from backend.appointments.listeners import ENDED
from backend.appointments.schemas import ApplicationVisits
from backend.appointments.services.booking import ACTIVE, mine
from backend.appointments.services.common import CHANGE_CUTOFF, now
from backend.lib.db import current_engine

__all__ = ["visits_of_application"]

_ANY = (
    "SELECT EXISTS (SELECT 1 FROM appointment_booking b WHERE b.account = {} "
    "AND b.application = {} AND b.status IN ({}, {})) AS booked, "
    "EXISTS (SELECT 1 FROM appointment_slot t JOIN appointment_office o ON o.id = t.office "
    "JOIN service s ON s.id = t.service WHERE s.slug = {} AND o.active = {} "
    "AND s.published = {} AND t.starts_at > {} AND t.booked < t.capacity) AS free"
)
"""Whether the application has a visit booked, and whether its service has a free time (as
`booking.free_slots` finds them): one statement, plain SQL, on every application's view
(nothing to show, the usual answer, costs no more)."""


async def visits_of_application(account_id: int, detail: ApplicationDetail) -> dict[str, Any]:
    if detail.status == "draft":
        return {}
    [row] = await current_engine().run_querystring(
        QueryString(
            _ANY, account_id, detail.id, *ACTIVE, detail.service.slug, True, True,
            now() + CHANGE_CUTOFF,
        )
    )  # fmt: skip
    # Reading the application already passed the caller's allow-list for its service.
    booked = (
        [
            b
            for b in await mine(account_id, lambda _: True, application_id=detail.id)
            if b.status in ACTIVE
        ]
        if row["booked"]
        else []
    )
    offered = not booked and detail.status not in ENDED and bool(row["free"])
    if not booked and not offered:
        return {}
    return {"appointments": ApplicationVisits(bookings=booked, bookable=offered)}
