"""The visit itself: the kiosk checks the citizen in and gives a queue number, the officer
console lists an office's day, and a booking nobody came for is recorded as a no-show (by
the officer, or by housekeeping once the slot is long over)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.querystring import QueryString

from backend.accounts.tables import Account
from backend.appointments.errors import (
    BookingClosedError,
    BookingNotFoundError,
    CheckInNotTodayError,
)
from backend.appointments.schemas import CheckIn, DayBooking, OfficerDay, Ticket
from backend.appointments.services.common import as_out, booking_query, now, utc, with_qr
from backend.appointments.services.offices import own_office
from backend.appointments.tables import Booking
from backend.kiosk.tables import AssistedSession
from backend.lib.db import current_engine, is_postgres, write_transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.i18n import BANGKOK
from backend.lib.schema import I18n
from backend.system.audit import Actor, record
from backend.system.registry import Housekeeping

__all__ = [
    "NO_SHOW_AFTER",
    "check_in",
    "identified_in_session",
    "mark_no_show",
    "officer_day",
    "sweep_no_shows",
]

NO_SHOW_AFTER = dt.timedelta(hours=2)
"""A booking still not checked in this long after its slot ended is a no-show."""


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), BANGKOK)
    return start, start + dt.timedelta(days=1)


def _today() -> dt.date:
    return now().astimezone(BANGKOK).date()


async def _find(data: CheckIn, identified: int | None) -> dict[str, Any]:
    where: Combinable
    start, end = _day_bounds(_today())
    today = (
        Booking.status.is_in(["booked", "checked_in"])
        & (Booking.slot._.starts_at >= start)
        & (Booking.slot._.starts_at < end)
    )
    if data.reference:
        where = Booking.reference == data.reference.strip().upper()
    elif data.tracking_code:
        where = (Booking.application._.tracking_code == data.tracking_code.strip().upper()) & today
    elif identified is not None:
        where = (Booking.account == identified) & today
    else:
        raise ValidationFailedError(
            fields={
                "reference": {
                    "en": "Scan or type the booking reference or the tracking code.",
                    "th": "กรุณาสแกนหรือพิมพ์เลขที่การจองหรือรหัสติดตามคำขอ",
                }
            }
        )
    row: dict[str, Any] | None = await booking_query().where(where).first()
    if row is None:
        raise BookingNotFoundError()
    return row


async def identified_in_session(assisted_id: int | None, citizen_id: int | None) -> int | None:
    """The citizen of the operator's assisted session, if the operator checked their ID
    card in it (the card then stands for the booking reference)."""
    if assisted_id is None or citizen_id is None:
        return None
    checked = await AssistedSession.exists().where(
        (AssistedSession.id == assisted_id)
        & (AssistedSession.citizen == citizen_id)
        & (AssistedSession.id_card_checked == True)  # noqa: E712  (Piccolo builds SQL from ==)
    )
    return citizen_id if checked else None


def _ticket(row: dict[str, Any]) -> Ticket:
    number = int(row["queue_number"])
    return Ticket(
        queue_number=number,
        booking=with_qr(as_out(row)),
        text=I18n(th=f"บัตรคิวหมายเลข {number:03d}", en=f"Queue ticket {number:03d}"),
    )


async def check_in(actor: Actor, data: CheckIn, *, identified: int | None = None) -> Ticket:
    """Today's booking, checked in once: its queue number is the next of the office's day
    (asking again gives the same ticket). Found by its reference, the application's
    tracking code, or (neither given) as the booking of `identified`: the citizen whose ID
    card the operator checked in the assisted session open for them."""
    async with write_transaction():
        row = await _find(data, identified)
        if row["status"] == "checked_in":
            return _ticket(row)
        if row["status"] != "booked":
            raise BookingClosedError()
        day = utc(row["starts_at"]).astimezone(BANGKOK).date()
        if day != _today():
            raise CheckInNotTodayError()
        engine = current_engine()
        if is_postgres():  # numbers in order per office (SQLite already writes one at a time)
            await engine.run_querystring(
                QueryString(
                    "SELECT id FROM appointment_office WHERE id = {} FOR UPDATE", row["office_id"]
                )
            )
        start, end = _day_bounds(day)
        [last] = await engine.run_querystring(
            QueryString(
                "SELECT COALESCE(MAX(b.queue_number), 0) AS n FROM appointment_booking b "
                "JOIN appointment_slot s ON s.id = b.slot "
                "WHERE s.office = {} AND s.starts_at >= {} AND s.starts_at < {}",
                row["office_id"],
                start,
                end,
            )
        )
        moment = now()
        await Booking.update(
            {
                Booking.status: "checked_in",
                Booking.queue_number: int(last["n"]) + 1,
                Booking.checked_in_at: moment,
                Booking.kiosk_id: actor.kiosk_id,
                Booking.updated_at: moment,
            }
        ).where((Booking.id == row["id"]) & (Booking.status == "booked"))
        await record(
            "appointment_checked_in",
            actor,
            subject_account_id=row["account"],
            object_type="booking",
            object_id=row["id"],
        )
        row = await booking_query().where(Booking.id == row["id"]).first()
    return _ticket(row)


async def officer_day(
    agency_id: int, office_id: int, day: dt.date | None, actor: Actor
) -> OfficerDay:
    """The office's bookings of the day (cancelled ones left out), in time order."""
    await own_office(agency_id, office_id)
    day = day or _today()
    start, end = _day_bounds(day)
    rows = (
        await booking_query()
        .where(
            (Booking.slot._.office == office_id)
            & (Booking.slot._.starts_at >= start)
            & (Booking.slot._.starts_at < end)
            & (Booking.status != "cancelled")
        )
        .order_by(Booking.slot._.starts_at)
        .order_by(Booking.id)
    )
    names = {
        r["id"]: r["full_name"]
        for r in await Account.select(Account.id, Account.full_name).where(
            Account.id.is_in([r["account"] for r in rows] or [0])
        )
    }
    await record(
        "appointments_listed",
        actor,
        object_type="office",
        object_id=office_id,
        detail={"day": day.isoformat(), "count": len(rows)},
    )
    return OfficerDay(
        office_id=office_id,
        day=day,
        booked=len(rows),
        arrived=sum(r["status"] == "checked_in" for r in rows),
        no_shows=sum(r["status"] == "no_show" for r in rows),
        bookings=[
            DayBooking(booking=as_out(r), citizen_name=names.get(r["account"], "")) for r in rows
        ],
    )


async def mark_no_show(agency_id: int, booking_id: int, actor: Actor) -> DayBooking:
    """The officer records that the citizen did not come (once the slot has begun)."""
    async with write_transaction():
        row: dict[str, Any] | None = await booking_query().where(Booking.id == booking_id).first()
        if row is None or row["agency_id"] != agency_id:
            raise BookingNotFoundError()
        if row["status"] != "booked" or utc(row["starts_at"]) > now():
            raise BookingClosedError()
        await Booking.update({Booking.status: "no_show", Booking.updated_at: now()}).where(
            (Booking.id == booking_id) & (Booking.status == "booked")
        )
        await record(
            "appointment_no_show",
            actor,
            subject_account_id=row["account"],
            object_type="booking",
            object_id=booking_id,
        )
        row["status"] = "no_show"
    return DayBooking(booking=as_out(row), citizen_name="")


async def sweep_no_shows(run: Housekeeping) -> dict[str, int]:
    """Bookings never checked in, NO_SHOW_AFTER past their slot's end."""
    async with write_transaction():
        due = (
            await Booking.select(Booking.id)
            .where(
                (Booking.status == "booked") & (Booking.slot._.ends_at < run.now - NO_SHOW_AFTER)
            )
            .limit(run.batch)
        )
        ids = [r["id"] for r in due]
        if ids:
            await Booking.update({Booking.status: "no_show", Booking.updated_at: run.now}).where(
                Booking.id.is_in(ids) & (Booking.status == "booked")
            )
    return {"appointment_no_shows": len(ids)}
