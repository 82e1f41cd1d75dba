"""The booked visit of an application on /track (server-rendered, no JavaScript): when and
where, and the reference to show at the kiosk. Only upcoming or checked-in visits."""

from __future__ import annotations

import html

from backend.appointments.services.common import as_out, booking_query
from backend.appointments.tables import Booking

__all__ = ["visit_on_tracking_page"]

_TEXT = {
    "th": ("นัดหมาย", "เลขที่การจอง", "น."),
    "en": ("Appointment", "Booking", ""),
}


async def visit_on_tracking_page(application_id: int, lang: str) -> str:
    rows = (
        await booking_query()
        .where(
            (Booking.application == application_id) & Booking.status.is_in(["booked", "checked_in"])
        )
        .order_by(Booking.slot._.starts_at)
    )
    if not rows:
        return ""
    title, reference, clock = _TEXT["en" if lang == "en" else "th"]
    items = []
    for row in rows:
        booking = as_out(row)
        when = booking.when.en if lang == "en" else f"{booking.when.th} {clock}"
        office = booking.office.name.en if lang == "en" else booking.office.name.th
        address = booking.office.address.en if lang == "en" else booking.office.address.th
        where = ", ".join(html.escape(part) for part in (office, address) if part)
        items.append(
            f'<li><time datetime="{booking.starts_at.isoformat()}">{html.escape(when)}</time>'
            f" · {where}<br>{html.escape(reference)}: <strong>{html.escape(booking.reference)}"
            "</strong></li>"
        )
    return f'<h3>{html.escape(title)}</h3>\n<ul class="visits">{"".join(items)}</ul>\n'
