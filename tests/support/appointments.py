"""Offices, slots and bookings as the agency and the citizen make them, for the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import AsyncTestClient

from backend.appointments.tables import Slot
from backend.lib.i18n import BANGKOK
from tests.support.agency import Signer
from tests.support.flows import csrf

__all__ = [
    "EVERY_DAY",
    "OFFICES",
    "SERVICE",
    "book",
    "local",
    "make_office",
    "move_slot_to",
    "publish",
]

Client = AsyncTestClient[Any]
OFFICES = "/agency-api/v1/offices"
SERVICE = "id-card-replacement"
"""DOPA's service (published in the demo catalog); a new card needs a visit for the photo."""
EVERY_DAY = {day: ["08:30", "16:30"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def local(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """`days` from today at `hour`:`minute`, Bangkok time."""
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BANGKOK)


async def make_office(client: Client, signer: Signer, **changes: Any) -> dict[str, Any]:
    body = {
        "name_th": "ที่ว่าการอำเภอบ้านไผ่",
        "name_en": "Ban Phai District Office",
        "address_th": "ถนนเจนจบทิศ อำเภอบ้านไผ่ ขอนแก่น 40110",
        "address_en": "Chenchop Thit Rd, Ban Phai, Khon Kaen 40110",
        "opening_hours": EVERY_DAY,
        **changes,
    }
    response = await signer.request(client, "POST", OFFICES, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def publish(
    client: Client, signer: Signer, office_id: int, *slots: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await signer.request(
        client, "POST", f"{OFFICES}/{office_id}/slots", json={"slots": list(slots)}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def book(client: Client, slot_id: int, application_id: int | None = None) -> Any:
    body: dict[str, Any] = {"slot_id": slot_id}
    if application_id is not None:
        body["application_id"] = application_id
    return await client.post("/api/v1/appointments", json=body, headers=csrf(client))


async def move_slot_to(slot_id: int, starts_at: dt.datetime) -> None:
    """Time passes: the slot now starts at `starts_at`."""
    await Slot.update(
        {Slot.starts_at: starts_at, Slot.ends_at: starts_at + dt.timedelta(minutes=30)}
    ).where(Slot.id == slot_id)
