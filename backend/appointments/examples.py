"""Examples for the agency guide and the OpenAPI document: an office, its slots, a day."""

from __future__ import annotations

import datetime as dt

from litestar.exceptions import ValidationException

from backend.appointments.schemas import (
    BookingOut,
    DayBooking,
    OfficeBrief,
    OfficeIn,
    OfficeOut,
    OfficerDay,
    SlotIn,
    SlotOut,
    SlotsIn,
)
from backend.lib.i18n import BANGKOK
from backend.lib.openapi import example
from backend.lib.schema import I18n

__all__ = [
    "BAD_DAYS_AHEAD",
    "BAD_HOURS",
    "BAD_SLOT",
    "DAY",
    "OFFICES_OUT",
    "OFFICE_IN",
    "OFFICE_OUT",
    "SLOTS_IN",
    "SLOTS_OUT",
]

_HOURS = {day: ["08:30", "16:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
_OFFICE = OfficeIn(
    name_th="ที่ว่าการอำเภอบ้านไผ่",
    name_en="Ban Phai District Office",
    address_th="ถนนเจนจบทิศ อำเภอบ้านไผ่ จังหวัดขอนแก่น 40110",
    address_en="Chenchop Thit Rd, Ban Phai, Khon Kaen 40110",
    opening_hours=_HOURS,  # type: ignore[arg-type]  # literal weekday keys
    closed_days=[dt.date(2026, 12, 7), dt.date(2026, 12, 10)],
)
_OUT = OfficeOut(
    id=12,
    agency="DOPA",
    name_th=_OFFICE.name_th,
    name_en=_OFFICE.name_en,
    address_th=_OFFICE.address_th,
    address_en=_OFFICE.address_en,
    timezone="Asia/Bangkok",
    opening_hours=_HOURS,
    closed_days=_OFFICE.closed_days,
    active=True,
)
_START = dt.datetime(2026, 12, 15, 9, 0, tzinfo=BANGKOK)
_SLOT = SlotOut(
    id=3401,
    office_id=12,
    service="id-card-replacement",
    starts_at=_START,
    ends_at=_START + dt.timedelta(minutes=30),
    capacity=4,
    booked=1,
)

OFFICE_IN = [example("A district office, open Monday to Friday", _OFFICE, name="office")]
OFFICE_OUT = example("The office", _OUT)
OFFICES_OUT = example("One office", [_OUT])
SLOTS_IN = [
    example(
        "Two half-hour slots of a service, four citizens each",
        SlotsIn(
            slots=[
                SlotIn(service="id-card-replacement", starts_at=_START, minutes=30, capacity=4),
                SlotIn(
                    service="id-card-replacement",
                    starts_at=_START + dt.timedelta(minutes=30),
                    minutes=30,
                    capacity=4,
                ),
            ]
        ),
        name="slots",
    )
]
SLOTS_OUT = example("The slots, with what is booked", [_SLOT])
_BRIEF = OfficeBrief(
    id=12, name=I18n(th=_OFFICE.name_th, en=_OFFICE.name_en), address=I18n(th="", en="")
)
DAY = example(
    "A day with one arrival",
    OfficerDay(
        office_id=12,
        day=_START.date(),
        booked=1,
        arrived=1,
        no_shows=0,
        bookings=[
            DayBooking(
                citizen_name="สมชาย ใจดี",
                booking=BookingOut(
                    id=881,
                    reference="K7CP4MQA",
                    status="checked_in",
                    service="id-card-replacement",
                    service_name=I18n(th="ขอมีบัตรประจำตัวประชาชนใหม่", en="ID card replacement"),
                    office=_BRIEF,
                    starts_at=_START,
                    ends_at=_START + dt.timedelta(minutes=30),
                    when=I18n(th="15 ธ.ค. 2569 09:00", en="15 Dec 2026 09:00"),
                    change_until=_START - dt.timedelta(hours=2),
                    application_id=5120,
                    tracking_code="DOPA-2569-000123",
                    queue_number=7,
                    checked_in_at=_START - dt.timedelta(minutes=12),
                ),
            )
        ],
    ),
)


def _invalid(field: str, message: str) -> ValidationException:
    """Litestar's own check of a parameter or the body, as errors.py answers it."""
    return ValidationException(extra=[{"key": field, "message": message}])


BAD_HOURS = _invalid(
    "opening_hours.mon", "Expected `array` of length >= 2 (two times, opening and closing)"
)
BAD_SLOT = _invalid("slots[0].capacity", "Expected `int` <= 1000")
BAD_DAYS_AHEAD = _invalid("days", "Expected `int` <= 62")
