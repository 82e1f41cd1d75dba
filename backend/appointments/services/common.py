"""What the appointment services share: the clock, the cut-off, reading a booking as the
citizen sees it, and the two conditional UPDATEs that keep a slot within its capacity."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from backend.appointments.schemas import BookingOut, OfficeBrief
from backend.appointments.tables import Booking, Slot
from backend.lib.db import current_engine
from backend.lib.i18n import format_datetime
from backend.lib.qr import qr_svg
from backend.lib.schema import I18n

__all__ = [
    "CHANGE_CUTOFF",
    "as_out",
    "booking_query",
    "new_reference",
    "now",
    "office_brief",
    "office_columns",
    "release_place",
    "take_place",
    "utc",
    "when",
    "with_qr",
]

CHANGE_CUTOFF = dt.timedelta(hours=2)
"""Booking, moving and cancelling online close this long before the start: the office
plans its counters and a freed place can still be taken."""

_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
"""No 0/O, 1/I, 2/Z, 5/S, 8/B: read aloud or typed at a counter without mistakes."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(moment: Any) -> dt.datetime:
    """A timestamp from either engine, aware and in UTC."""
    found: dt.datetime = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt.UTC)
    return found.astimezone(dt.UTC)


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def when(starts_at: dt.datetime) -> I18n:
    """'5 ธ.ค. 2569 09:00' (Buddhist era) and '5 Dec 2026 09:00', Bangkok time."""
    return I18n(th=format_datetime(starts_at, "th"), en=format_datetime(starts_at, "en"))


_TAKE = (
    "UPDATE appointment_slot SET booked = booked + 1 "
    "WHERE id = {} AND booked < capacity RETURNING id"
)
"""The capacity rule, held by the database: of any number of concurrent bookings of the last
place, one UPDATE matches; the others see `booked = capacity` (PostgreSQL re-checks the WHERE
after the first commits; SQLite runs writers one at a time) and match nothing."""

_RELEASE = "UPDATE appointment_slot SET booked = booked - 1 WHERE id = {} AND booked > 0"


async def take_place(slot_id: int) -> bool:
    """One place in the slot, in the caller's write transaction; False when it is full."""
    rows = await current_engine().run_querystring(QueryString(_TAKE, slot_id))
    return bool(rows)


async def release_place(slot_id: int) -> None:
    await current_engine().run_querystring(QueryString(_RELEASE, slot_id))


def office_columns(slot: Any) -> list[Any]:
    """The office of `slot` (the Slot table, or a booking's foreign key to it), as
    `office_brief` reads it."""
    office = slot.office if slot is Slot else slot._.office
    return [
        office.as_alias("office_id"),
        office._.name_th.as_alias("office_name_th"),
        office._.name_en.as_alias("office_name_en"),
        office._.address_th.as_alias("office_address_th"),
        office._.address_en.as_alias("office_address_en"),
    ]


def office_brief(row: dict[str, Any]) -> OfficeBrief:
    return OfficeBrief(
        id=row["office_id"],
        name=I18n(th=row["office_name_th"], en=row["office_name_en"]),
        address=I18n(th=row["office_address_th"], en=row["office_address_en"]),
    )


def booking_query() -> Any:
    """Bookings with their slot, office, service and application, as `as_out` reads them."""
    slot = Booking.slot
    return Booking.select(
        Booking.id,
        Booking.reference,
        Booking.status,
        Booking.account,
        Booking.application,
        Booking.queue_number,
        Booking.checked_in_at,
        Booking.slot,
        slot._.starts_at.as_alias("starts_at"),
        slot._.ends_at.as_alias("ends_at"),
        slot._.service._.slug.as_alias("service"),
        slot._.service._.name_th.as_alias("service_name_th"),
        slot._.service._.name_en.as_alias("service_name_en"),
        slot._.office._.agency.as_alias("agency_id"),
        *office_columns(slot),
        Booking.application._.tracking_code.as_alias("tracking_code"),
    )


def with_qr(booking: BookingOut) -> BookingOut:
    """An active booking with its reference as a QR code, for the citizen to show at the
    kiosk (and the ticket to carry): the text is the reference alone, what the kiosk types."""
    if booking.status not in ("booked", "checked_in"):
        return booking
    drawn = qr_svg(booking.reference, scale=6, title="Booking")  # 150 px: read off a screen
    return msgspec.structs.replace(booking, qr_svg=drawn)


def as_out(row: dict[str, Any]) -> BookingOut:
    starts_at = utc(row["starts_at"])
    return BookingOut(
        id=row["id"],
        reference=row["reference"],
        status=row["status"],
        service=row["service"],
        service_name=I18n(th=row["service_name_th"], en=row["service_name_en"]),
        office=office_brief(row),
        starts_at=starts_at,
        ends_at=utc(row["ends_at"]),
        when=when(starts_at),
        change_until=starts_at - CHANGE_CUTOFF,
        application_id=row["application"],
        tracking_code=row["tracking_code"],
        queue_number=row["queue_number"],
        checked_in_at=utc(row["checked_in_at"]) if row["checked_in_at"] else None,
    )
