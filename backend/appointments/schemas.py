"""What the appointments API takes and gives: offices, slots, bookings, check-in tickets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.lib.schema import I18n, Struct

__all__ = [
    "ApplicationVisits",
    "BookingCreate",
    "BookingMove",
    "BookingOut",
    "BookingState",
    "Bookings",
    "CheckIn",
    "DayBooking",
    "FreeSlot",
    "OfficeBrief",
    "OfficeIn",
    "OfficeOut",
    "OfficerDay",
    "SlotIn",
    "SlotOut",
    "SlotsIn",
    "Ticket",
    "Weekday",
]

BookingState = Literal["booked", "cancelled", "checked_in", "no_show"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Address = Annotated[str, msgspec.Meta(max_length=400)]


class OfficeIn(Struct):
    """An office as the agency publishes it. Hours are local (Asia/Bangkok), e.g.
    `{"mon": ["08:30", "16:30"], …}`; a weekday left out is closed, as is every date in
    `closed_days`."""

    name_th: Name
    name_en: Name
    address_th: Address = ""
    address_en: Address = ""
    opening_hours: dict[
        Weekday, Annotated[list[HHMM], msgspec.Meta(min_length=2, max_length=2)]
    ] = msgspec.field(default_factory=dict)
    closed_days: Annotated[list[dt.date], msgspec.Meta(max_length=366)] = msgspec.field(
        default_factory=list
    )
    timezone: Literal["Asia/Bangkok"] = "Asia/Bangkok"
    active: bool = True


class OfficeOut(Struct):
    id: int
    agency: str
    name_th: str
    name_en: str
    address_th: str
    address_en: str
    timezone: str
    opening_hours: dict[str, list[str]]
    closed_days: list[dt.date]
    active: bool


class SlotIn(Struct):
    """A slot of one service at the office: a start (with its offset), a length, a capacity.
    Sent again with the same service and start, it replaces that slot's length and capacity."""

    service: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    starts_at: dt.datetime
    minutes: Annotated[int, msgspec.Meta(ge=5, le=480)] = 30
    capacity: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 1


class SlotsIn(Struct):
    slots: Annotated[list[SlotIn], msgspec.Meta(min_length=1, max_length=500)]


class SlotOut(Struct):
    id: int
    office_id: int
    service: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    booked: int


class OfficeBrief(Struct):
    id: int
    name: I18n
    address: I18n


class FreeSlot(Struct):
    """A slot a citizen may book; `when` is the local time as people read it (Thai in the
    Buddhist era)."""

    id: int
    service: str
    office: OfficeBrief
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: int
    when: I18n


class BookingCreate(Struct):
    """Book `slot_id`: for an application of the slot's service, or (no application) for a
    visit the service needs before one applies."""

    slot_id: int
    application_id: int | None = None


class BookingMove(Struct):
    slot_id: int


class BookingOut(Struct):
    id: int
    reference: str
    status: BookingState
    service: str
    service_name: I18n
    office: OfficeBrief
    starts_at: dt.datetime
    ends_at: dt.datetime
    when: I18n
    change_until: dt.datetime
    """Cancel or move it until then (the cut-off); afterwards call the office."""
    application_id: int | None = None
    tracking_code: str | None = None
    queue_number: int | None = None
    checked_in_at: dt.datetime | None = None
    qr_svg: str = ""
    """The reference as a QR code (SVG) for the kiosk to scan; the citizen's own answers only."""


class ApplicationVisits(Struct):
    """An application's visit, in its detail (`parts.appointments`)."""

    bookings: list[BookingOut]
    """Booked or checked in."""
    bookable: bool = False
    """None booked, and its service has a free time."""


class Bookings(Struct):
    items: list[BookingOut]


class CheckIn(Struct):
    """At the office: the booking's reference (its QR) or the application's tracking code;
    neither, in an assisted session whose citizen's ID card was checked: their booking."""

    reference: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    tracking_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class Ticket(Struct):
    """What the kiosk prints: the queue number of the day at that office."""

    queue_number: int
    booking: BookingOut
    text: I18n


class DayBooking(Struct):
    booking: BookingOut
    citizen_name: str


class OfficerDay(Struct):
    """An office's day for the officer console: who is booked, who arrived, who did not."""

    office_id: int
    day: dt.date
    booked: int
    arrived: int
    no_shows: int
    bookings: list[DayBooking]
