"""The push the day before an appointment: an outbox message scheduled at booking (not
claimable before 09:00 Bangkok time the day before), withdrawn when the booking is cancelled
or moved. Its handler looks again at the booking when it comes due, and tells the citizen
through accounts' AccountNotice (the notification centre and a push to each device)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

from backend.accounts.events import AccountNotice
from backend.appointments.tables import Booking
from backend.lib.db import write_transaction
from backend.lib.i18n import BANGKOK
from backend.settings import Settings
from backend.system.outbox.outcomes import Delivered, Drop, Handler, Message, Outcome
from backend.system.outbox.queue import cancel_pending, enqueue
from backend.system.registry import publish

__all__ = ["REMINDER_KIND", "deliver", "open_handler", "remind_at", "schedule", "withdraw"]

REMINDER_KIND = "appointment_reminder"
REMIND_AT = dt.time(9, 0)
"""The day before, in office hours: time to arrange a lift, or to move the booking."""


def remind_at(starts_at: dt.datetime) -> dt.datetime:
    day = starts_at.astimezone(BANGKOK).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day, REMIND_AT, BANGKOK)


def _key(booking_id: int, slot_id: int) -> str:
    return f"appointment:{booking_id}:{slot_id}"


async def schedule(
    booking_id: int, slot_id: int, starts_at: dt.datetime, moment: dt.datetime
) -> None:
    """In the booking's transaction; none when booked after the reminder's time."""
    due = remind_at(starts_at)
    if due <= moment:
        return
    await enqueue(
        REMINDER_KIND,
        {"booking": booking_id, "slot": slot_id},
        dedupe_key=_key(booking_id, slot_id),
        delay_s=(due - moment).total_seconds(),
    )


async def withdraw(booking_id: int, slot_id: int) -> None:
    await cancel_pending(_key(booking_id, slot_id))


async def deliver(message: Message) -> Outcome:
    """Tell the citizen, if the booking still stands at that slot."""
    async with write_transaction():
        booking = (
            await Booking.select(
                Booking.account,
                Booking.status,
                Booking.slot,
                Booking.reference,
                Booking.slot._.starts_at.as_alias("starts_at"),
                Booking.slot._.office._.name_th.as_alias("office"),
            )
            .where(Booking.id == message.payload["booking"])
            .first()
        )
        if (
            booking is None
            or booking["status"] != "booked"
            or booking["slot"] != message.payload["slot"]
        ):
            return Drop("booking cancelled or moved")
        await publish(
            AccountNotice(
                account_id=booking["account"],
                what="appointment_reminder",
                where=booking["office"],
                about=booking["reference"],
                when=booking["starts_at"],
            )
        )
    return Delivered()


@contextlib.asynccontextmanager
async def open_handler(_: Settings) -> AsyncIterator[Handler]:
    """The reminder needs nothing but the database."""
    yield deliver
