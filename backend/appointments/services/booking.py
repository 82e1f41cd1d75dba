"""A citizen's bookings: the free times of a service, booking one (the last place goes to
exactly one of any number of people asking at once), moving or cancelling it until the
cut-off, and reading them. Someone else's booking is 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec
from piccolo.custom_types import Combinable

from backend.applications.errors import ApplicationNotFoundError
from backend.applications.tables import Application
from backend.appointments import reminders
from backend.appointments.errors import (
    AlreadyBookedError,
    BookingClosedError,
    BookingNotFoundError,
    CutoffPassedError,
    SlotFullError,
    SlotNotFoundError,
)
from backend.appointments.schemas import BookingCreate, BookingOut, FreeSlot
from backend.appointments.services.common import (
    CHANGE_CUTOFF,
    as_out,
    booking_query,
    new_reference,
    now,
    office_brief,
    office_columns,
    release_place,
    take_place,
    utc,
    when,
    with_qr,
)
from backend.appointments.tables import Booking, Slot
from backend.lib.db import write_transaction
from backend.system.audit import Actor, record

__all__ = [
    "ACTIVE",
    "NEXT_FREE",
    "book",
    "cancel",
    "end_all_of",
    "free_slots",
    "mine",
    "move",
    "one",
]

ACTIVE = ("booked", "checked_in")
NEXT_FREE = 5
"""Free times offered with a refusal (409 slot_full) and by default in a listing."""

Allows = Callable[[str], bool]


def _free() -> Any:
    return Slot.select(
        Slot.id,
        Slot.starts_at,
        Slot.ends_at,
        Slot.capacity,
        Slot.booked,
        Slot.service._.slug.as_alias("service"),
        *office_columns(Slot),
    )


def _free_out(row: dict[str, Any]) -> FreeSlot:
    starts_at = utc(row["starts_at"])
    return FreeSlot(
        id=row["id"],
        service=row["service"],
        office=office_brief(row),
        starts_at=starts_at,
        ends_at=utc(row["ends_at"]),
        free=row["capacity"] - row["booked"],
        when=when(starts_at),
    )


async def free_slots(
    service: str, *, office_id: int | None = None, limit: int = NEXT_FREE, after: int = 0
) -> list[FreeSlot]:
    """The next bookable times of `service` (at `office_id`, if given), soonest first;
    `after`: a slot to leave out (the one just refused)."""
    where: Combinable = (
        (Slot.service._.slug == service)
        & (Slot.office._.active == True)  # noqa: E712  (Piccolo builds SQL from ==)
        & (Slot.service._.published == True)  # noqa: E712
        & (Slot.starts_at > now() + CHANGE_CUTOFF)
        & (Slot.booked < Slot.capacity)
        & (Slot.id != after)
    )
    if office_id is not None:
        where &= Slot.office == office_id
    rows = await _free().where(where).order_by(Slot.starts_at).order_by(Slot.id).limit(limit)
    return [_free_out(r) for r in rows]


async def _bookable(slot_id: int, allows: Allows) -> dict[str, Any]:
    slot: dict[str, Any] | None = (
        await Slot.select(
            Slot.id,
            Slot.service,
            Slot.starts_at,
            Slot.service._.slug.as_alias("slug"),
            Slot.office._.active.as_alias("office_active"),
            Slot.service._.published.as_alias("published"),
        )
        .where(Slot.id == slot_id)
        .first()
    )
    if slot is None or not slot["office_active"] or not slot["published"]:
        raise SlotNotFoundError()
    if not allows(slot["slug"]):
        raise SlotNotFoundError()  # a delegate's grant does not reach this service
    slot["starts_at"] = utc(slot["starts_at"])
    if slot["starts_at"] - CHANGE_CUTOFF <= now():
        raise CutoffPassedError()
    return slot


async def _full(slot_id: int, slug: str) -> SlotFullError:
    return SlotFullError(
        [_jsonable(s) for s in await free_slots(slug, after=slot_id, limit=NEXT_FREE)]
    )


async def _take(slot: dict[str, Any]) -> None:
    if not await take_place(slot["id"]):
        raise await _full(slot["id"], slot["slug"])


async def _refuse_if_full(slot_id: int) -> None:
    """Before the write transaction: a slot already full is refused without queueing for
    the write lock (on SQLite, one writer at a time), so a crowd asking for a place that
    has gone is answered at read speed. Only a hint: the conditional UPDATE decides."""
    row = (
        await Slot.select(Slot.booked, Slot.capacity, Slot.service._.slug.as_alias("slug"))
        .where(Slot.id == slot_id)
        .first()
    )
    if row is not None and row["booked"] >= row["capacity"]:
        raise await _full(slot_id, row["slug"])


def _jsonable(slot: FreeSlot) -> dict[str, Any]:
    encoded: dict[str, Any] = msgspec.to_builtins(slot)
    return encoded


async def book(actor: Actor, account_id: int, data: BookingCreate, allows: Allows) -> int:
    """Book a place; the booking's id. Full: 409 slot_full with the next free times."""
    await _refuse_if_full(data.slot_id)
    async with write_transaction():
        slot = await _bookable(data.slot_id, allows)
        if data.application_id is not None:
            app = (
                await Application.select(Application.service)
                .where(
                    (Application.id == data.application_id)
                    & (Application.account == account_id)
                    & Application.deleted_at.is_null()
                )
                .first()
            )
            if app is None or app["service"] != slot["service"]:
                raise ApplicationNotFoundError()
            same = Booking.application == data.application_id
        else:
            same = Booking.application.is_null() & (Booking.slot._.service == slot["service"])
        taken = await Booking.exists().where(
            (Booking.account == account_id) & Booking.status.is_in(list(ACTIVE)) & same
        )
        if taken:
            raise AlreadyBookedError()
        await _take(slot)
        moment = now()
        [made] = await Booking.insert(
            Booking(
                reference=new_reference(),
                slot=slot["id"],
                account=account_id,
                application=data.application_id,
                status="booked",
                created_at=moment,
                updated_at=moment,
                booked_by=actor.account_id if actor.account_id != account_id else None,
            )
        ).returning(Booking.id)
        await reminders.schedule(made["id"], slot["id"], slot["starts_at"], moment)
        await record(
            "appointment_booked",
            actor,
            subject_account_id=account_id,
            object_type="booking",
            object_id=made["id"],
            detail={"slot": slot["id"]},
        )
    return int(made["id"])


async def _owned(account_id: int, booking_id: int, allows: Allows) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await booking_query()
        .where((Booking.id == booking_id) & (Booking.account == account_id))
        .first()
    )
    if row is None or not allows(row["service"]):
        raise BookingNotFoundError()
    return row


async def _changeable(account_id: int, booking_id: int, allows: Allows) -> dict[str, Any]:
    row = await _owned(account_id, booking_id, allows)
    if row["status"] != "booked":
        raise BookingClosedError()
    if utc(row["starts_at"]) - CHANGE_CUTOFF <= now():
        raise CutoffPassedError()
    return row


async def _close(booking_id: int, status: str, moment: dt.datetime) -> int | None:
    """Booked → `status`, once (a concurrent cancel finds nothing); the slot it held."""
    rows = (
        await Booking.update(
            {Booking.status: status, Booking.updated_at: moment, Booking.cancelled_at: moment}
        )
        .where((Booking.id == booking_id) & (Booking.status == "booked"))
        .returning(Booking.slot)
    )
    return int(rows[0]["slot"]) if rows else None


async def cancel(actor: Actor, account_id: int, booking_id: int, allows: Allows) -> None:
    async with write_transaction():
        await _changeable(account_id, booking_id, allows)
        slot_id = await _close(booking_id, "cancelled", now())
        if slot_id is None:
            raise BookingClosedError()
        await release_place(slot_id)
        await reminders.withdraw(booking_id, slot_id)
        await record(
            "appointment_cancelled",
            actor,
            subject_account_id=account_id,
            object_type="booking",
            object_id=booking_id,
        )


async def move(
    actor: Actor, account_id: int, booking_id: int, slot_id: int, allows: Allows
) -> None:
    """To another time of the same service; the old place is freed only if the new one is
    taken (a full new slot is 409 and the booking stays as it was)."""
    async with write_transaction():
        row = await _changeable(account_id, booking_id, allows)
        slot = await _bookable(slot_id, allows)
        if slot["slug"] != row["service"]:
            raise SlotNotFoundError()
        if slot["id"] == row["slot"]:
            return
        await _take(slot)
        moment = now()
        moved = (
            await Booking.update({Booking.slot: slot["id"], Booking.updated_at: moment})
            .where((Booking.id == booking_id) & (Booking.status == "booked"))
            .returning(Booking.id)
        )
        if not moved:
            raise BookingClosedError()
        await release_place(row["slot"])
        await reminders.withdraw(booking_id, row["slot"])
        await reminders.schedule(booking_id, slot["id"], slot["starts_at"], moment)
        await record(
            "appointment_moved",
            actor,
            subject_account_id=account_id,
            object_type="booking",
            object_id=booking_id,
            detail={"from": row["slot"], "to": slot["id"]},
        )


async def one(account_id: int, booking_id: int, allows: Allows) -> BookingOut:
    return with_qr(as_out(await _owned(account_id, booking_id, allows)))


async def mine(
    account_id: int, allows: Allows, *, application_id: int | None = None
) -> list[BookingOut]:
    """The account's bookings, soonest first (cancelled ones too: the citizen's record)."""
    where: Combinable = Booking.account == account_id
    if application_id is not None:
        where &= Booking.application == application_id
    rows = await booking_query().where(where).order_by(Booking.slot._.starts_at)
    return [with_qr(as_out(r)) for r in rows if allows(r["service"])]


async def end_all_of(account_id: int, *, application_id: int | None = None) -> int:
    """Cancel every upcoming booking of the account (erasure), or of one application (it
    was withdrawn or decided), in the caller's transaction; how many."""
    where: Combinable = (Booking.account == account_id) & (Booking.status == "booked")
    if application_id is not None:
        where &= Booking.application == application_id
    rows = await Booking.select(Booking.id).where(where)
    moment = now()
    for row in rows:
        slot_id = await _close(row["id"], "cancelled", moment)
        if slot_id is not None:
            await release_place(slot_id)
            await reminders.withdraw(row["id"], slot_id)
    return len(rows)
