"""The visit on the citizen's view of an application (`parts.appointments`): its booking,
with the reference's QR for the kiosk, and whether its service can be booked. The app keeps
the application on the phone, so the booking shows offline too."""

from __future__ import annotations

from typing import Any

from backend.applications.schemas import ApplicationDetail
from backend.appointments.listeners import ENDED
from backend.appointments.schemas import ApplicationVisits
from backend.appointments.services.booking import ACTIVE, free_slots, mine

__all__ = ["visits_of_application"]


async def visits_of_application(account_id: int, detail: ApplicationDetail) -> dict[str, Any]:
    if detail.status == "draft":
        return {}
    # Reading the application already passed the caller's allow-list for its service.
    booked = [
        b
        for b in await mine(account_id, lambda _: True, application_id=detail.id)
        if b.status in ACTIVE
    ]
    offered = not booked and detail.status not in ENDED
    if offered:
        offered = bool(await free_slots(detail.service.slug, limit=1))
    if not booked and not offered:
        return {}
    return {"appointments": ApplicationVisits(bookings=booked, bookable=offered)}
