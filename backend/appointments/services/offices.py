"""An agency's offices and the slots it publishes there (agency API and officer console).
Another agency's office is 404: it is not theirs to see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.appointments.errors import (
    CapacityBelowBookedError,
    OfficeNotFoundError,
    SlotOutsideHoursError,
)
from backend.appointments.schemas import OfficeIn, OfficeOut, SlotIn, SlotOut, SlotsIn
from backend.appointments.services.common import now, utc
from backend.appointments.tables import Office, Slot
from backend.catalog.errors import ServiceNotFoundError
from backend.catalog.tables import Service
from backend.lib.db import write_transaction
from backend.lib.i18n import BANGKOK
from backend.system.audit import Actor, record

__all__ = [
    "create_office",
    "list_offices",
    "list_slots",
    "own_office",
    "publish_slots",
    "update_office",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SLOT_DAYS = 62
"""How far ahead a listing of slots reaches at most (two months)."""


def _office_out(row: dict[str, Any]) -> OfficeOut:
    return OfficeOut(
        id=row["id"],
        agency=row["agency_code"],
        name_th=row["name_th"],
        name_en=row["name_en"],
        address_th=row["address_th"],
        address_en=row["address_en"],
        timezone=row["timezone"],
        opening_hours=row["opening_hours"] or {},
        closed_days=[dt.date.fromisoformat(d) for d in row["closed_days"] or []],
        active=row["active"],
    )


def _offices() -> Any:
    return Office.select(
        *Office.all_columns(), Office.agency._.code.as_alias("agency_code")
    ).output(load_json=True)


async def own_office(agency_id: int, office_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await _offices().where((Office.id == office_id) & (Office.agency == agency_id)).first()
    )
    if row is None:
        raise OfficeNotFoundError()
    return row


async def list_offices(agency_id: int) -> list[OfficeOut]:
    rows = await _offices().where(Office.agency == agency_id).order_by(Office.id)
    return [_office_out(r) for r in rows]


def _columns(data: OfficeIn) -> dict[Any, Any]:
    return {
        Office.name_th: data.name_th,
        Office.name_en: data.name_en,
        Office.address_th: data.address_th,
        Office.address_en: data.address_en,
        Office.timezone: data.timezone,
        Office.opening_hours: {day: data.opening_hours[day] for day in sorted(data.opening_hours)},
        Office.closed_days: sorted(d.isoformat() for d in set(data.closed_days)),
        Office.active: data.active,
        Office.updated_at: now(),
    }


def _check_hours(data: OfficeIn) -> None:
    for day, (opens, closes) in data.opening_hours.items():
        if opens >= closes:
            raise SlotOutsideHoursError.for_field(
                f"opening_hours.{day}",
                "The office must open before it closes.",
                "เวลาเปิดต้องก่อนเวลาปิด",
            )


async def create_office(agency_id: int, data: OfficeIn, actor: Actor) -> OfficeOut:
    _check_hours(data)
    async with write_transaction():
        [made] = await Office.insert(
            Office(
                agency=agency_id,
                created_at=now(),
                **{c._meta.name: v for c, v in _columns(data).items()},
            )
        ).returning(Office.id)
        await record("office_created", actor, object_type="office", object_id=made["id"])
    return _office_out(await own_office(agency_id, made["id"]))


async def update_office(agency_id: int, office_id: int, data: OfficeIn, actor: Actor) -> OfficeOut:
    _check_hours(data)
    async with write_transaction():
        await own_office(agency_id, office_id)
        await Office.update(_columns(data)).where(Office.id == office_id)
        await record("office_updated", actor, object_type="office", object_id=office_id)
    return _office_out(await own_office(agency_id, office_id))


def _check_slot(office: dict[str, Any], slot: SlotIn, index: int, moment: dt.datetime) -> None:
    if slot.starts_at.tzinfo is None:
        raise SlotOutsideHoursError(
            index, "Give the start with its offset (+07:00).", "กรุณาระบุเวลาพร้อมเขตเวลา (+07:00)"
        )
    if slot.starts_at <= moment:
        raise SlotOutsideHoursError(index, "The slot is in the past.", "ช่วงเวลานี้ผ่านไปแล้ว")
    start = slot.starts_at.astimezone(BANGKOK)
    end = start + dt.timedelta(minutes=slot.minutes)
    hours = (office["opening_hours"] or {}).get(WEEKDAYS[start.weekday()])
    if start.date().isoformat() in (office["closed_days"] or []) or not hours:
        raise SlotOutsideHoursError(index, "The office is closed that day.", "สำนักงานปิดทำการในวันนั้น")
    if f"{start:%H:%M}" < hours[0] or end.date() != start.date() or f"{end:%H:%M}" > hours[1]:
        raise SlotOutsideHoursError(
            index,
            f"The slot is outside the opening hours ({hours[0]}–{hours[1]}).",
            f"ช่วงเวลาอยู่นอกเวลาทำการ ({hours[0]}–{hours[1]} น.)",
        )


async def _service_ids(agency_id: int, slugs: set[str]) -> dict[str, int]:
    rows = await Service.select(Service.id, Service.slug).where(
        Service.slug.is_in(list(slugs)) & (Service.agency == agency_id)
    )
    found = {r["slug"]: r["id"] for r in rows}
    if len(found) != len(slugs):
        raise ServiceNotFoundError()
    return found


async def publish_slots(
    agency_id: int, office_id: int, data: SlotsIn, actor: Actor
) -> list[SlotOut]:
    """Add the slots, or replace the length and capacity of those already there (same
    service and start); a capacity below what is already booked is 409."""
    moment = now()
    ids: list[int] = []
    async with write_transaction():
        office = await own_office(agency_id, office_id)
        if not office["active"]:
            raise OfficeNotFoundError()
        services = await _service_ids(agency_id, {s.service for s in data.slots})
        for index, slot in enumerate(data.slots):
            _check_slot(office, slot, index, moment)
            starts_at = slot.starts_at.astimezone(dt.UTC)
            ends_at = starts_at + dt.timedelta(minutes=slot.minutes)
            service_id = services[slot.service]
            there = (
                await Slot.select(Slot.id, Slot.booked)
                .where(
                    (Slot.office == office_id)
                    & (Slot.service == service_id)
                    & (Slot.starts_at == starts_at)
                )
                .first()
            )
            if there is None:
                [made] = await Slot.insert(
                    Slot(
                        office=office_id,
                        service=service_id,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        capacity=slot.capacity,
                        booked=0,
                        created_at=moment,
                    )
                ).returning(Slot.id)
                ids.append(made["id"])
                continue
            if slot.capacity < there["booked"]:
                raise CapacityBelowBookedError()
            await Slot.update({Slot.capacity: slot.capacity, Slot.ends_at: ends_at}).where(
                Slot.id == there["id"]
            )
            ids.append(there["id"])
        await record(
            "slots_published",
            actor,
            object_type="office",
            object_id=office_id,
            detail={"slots": len(ids)},
        )
    rows = await _slots().where(Slot.id.is_in(ids)).order_by(Slot.starts_at)
    return [_slot_out(r) for r in rows]


def _slots() -> Any:
    return Slot.select(*Slot.all_columns(), Slot.service._.slug.as_alias("service_slug"))


def _slot_out(row: dict[str, Any]) -> SlotOut:
    return SlotOut(
        id=row["id"],
        office_id=row["office"],
        service=row["service_slug"],
        starts_at=utc(row["starts_at"]),
        ends_at=utc(row["ends_at"]),
        capacity=row["capacity"],
        booked=row["booked"],
    )


async def list_slots(
    agency_id: int, office_id: int, start: dt.date | None, days: int
) -> list[SlotOut]:
    """The office's slots from `start` (Bangkok date; default today) for `days` days."""
    await own_office(agency_id, office_id)
    first = start or now().astimezone(BANGKOK).date()
    since = dt.datetime.combine(first, dt.time(), BANGKOK)
    until = since + dt.timedelta(days=min(days, MAX_SLOT_DAYS))
    rows = (
        await _slots()
        .where((Slot.office == office_id) & (Slot.starts_at >= since) & (Slot.starts_at < until))
        .order_by(Slot.starts_at)
    )
    return [_slot_out(r) for r in rows]
