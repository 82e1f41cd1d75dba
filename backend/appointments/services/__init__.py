"""The appointments domain's services, split by job: publishing offices and slots
(offices), a citizen's bookings (booking), the visit itself (visits)."""

from __future__ import annotations

from backend.appointments.services.booking import (
    book,
    cancel,
    end_all_of,
    free_slots,
    mine,
    move,
    one,
)
from backend.appointments.services.offices import (
    create_office,
    list_offices,
    list_slots,
    publish_slots,
    update_office,
)
from backend.appointments.services.visits import (
    check_in,
    mark_no_show,
    officer_day,
    sweep_no_shows,
)

__all__ = [
    "book",
    "cancel",
    "check_in",
    "create_office",
    "end_all_of",
    "free_slots",
    "list_offices",
    "list_slots",
    "mark_no_show",
    "mine",
    "move",
    "officer_day",
    "one",
    "publish_slots",
    "sweep_no_shows",
    "update_office",
]
