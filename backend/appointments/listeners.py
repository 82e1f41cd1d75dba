"""What appointments does when an application ends: its upcoming bookings are cancelled
(a withdrawn or decided application needs no visit), in the status change's transaction."""

from __future__ import annotations

from backend.applications.events import StatusChanged
from backend.appointments.services import end_all_of

__all__ = ["ENDED", "on_status_changed"]

ENDED = frozenset({"withdrawn", "rejected", "completed"})


async def on_status_changed(event: StatusChanged) -> None:
    if event.new_status in ENDED:
        await end_all_of(event.account_id, application_id=event.application_id)
