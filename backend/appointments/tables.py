"""District offices, the visit slots agencies publish there, and citizens' bookings."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import Account
from backend.applications.tables import Application
from backend.catalog.tables import Agency, Service

__all__ = ["Booking", "Office", "Slot"]


class Office(Table, tablename="appointment_office"):
    """A place where an agency receives citizens (a district office, a branch)."""

    id = Serial(primary_key=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict, index=True)
    name_th = Varchar(length=200)
    name_en = Varchar(length=200)
    address_th = Varchar(length=400, default="")
    address_en = Varchar(length=400, default="")
    timezone = Varchar(length=40, default="Asia/Bangkok", help_text="IANA zone of the hours.")
    opening_hours = JSON(
        default="{}",
        help_text='Weekday (mon…sun) → ["08:30", "16:30"], local time; a day absent is closed.',
    )
    closed_days = JSON(default="[]", help_text="ISO dates the office is closed (holidays).")
    active = Boolean(default=True, help_text="False: no new slots or bookings.")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Slot(Table, tablename="appointment_slot"):
    """A time at an office for one service, with room for `capacity` citizens. `booked`
    only moves by one conditional UPDATE (see services.booking), so it never passes
    `capacity` whatever the concurrency; a CHECK constraint (migration) says so too."""

    id = BigSerial(primary_key=True)
    office = ForeignKey(references=Office, null=False, on_delete=OnDelete.cascade, index=True)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.restrict)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    capacity = Integer(help_text="How many citizens may book it (0 closes it).")
    booked = Integer(default=0, help_text="Active bookings (booked or checked in).")
    created_at = Timestamptz()


class Booking(Table, tablename="appointment_booking"):
    """A citizen's place in a slot, for an application or for a visit before applying."""

    id = BigSerial(primary_key=True)
    reference = Varchar(length=12, unique=True, help_text="Shown to the citizen and the kiosk.")
    slot = ForeignKey(references=Slot, null=False, on_delete=OnDelete.restrict, index=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(
        references=Application, null=True, default=None, on_delete=OnDelete.set_null
    )
    status = Varchar(
        length=12,
        default="booked",
        help_text="booked, cancelled, checked_in or no_show (appointments.schemas.BookingState).",
    )
    created_at = Timestamptz()
    updated_at = Timestamptz()
    cancelled_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)
    queue_number = Integer(null=True, default=None, help_text="The ticket given at check-in.")
    kiosk_id = Integer(null=True, default=None, help_text="The kiosk that checked them in.")
    booked_by = Integer(
        null=True, default=None, help_text="A delegate or operator who booked for the citizen."
    )
