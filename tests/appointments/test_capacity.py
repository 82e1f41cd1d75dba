"""Capacity holds under concurrency, enforced by the database: 50 citizens asking for the
last place at once get exactly one booking between them; the others a clear 409 with the
next free times. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.appointments.tables import Booking, Slot
from tests.support.agency import Signer
from tests.support.appointments import SERVICE, book, local, make_office, publish
from tests.support.database import ORIGIN, Database
from tests.support.flows import enrol_citizen

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db")]

Client = AsyncTestClient[Any]
CITIZENS = int(os.environ.get("APPT_CITIZENS", "50"))


async def _citizens(app: Litestar, count: int) -> list[Any]:
    """Citizens on their own phones (cookie jars, addresses: enrolment is rate-limited per
    address), against the app the `client` fixture started."""
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"10.0.0.{n + 1}", 40000)),
            base_url=ORIGIN,
        )
        for n in range(count)
    ]
    for citizen in clients:
        await enrol_citizen(citizen)
    return clients


async def _race(clients: list[Client], slot_id: int) -> tuple[list[Any], float]:
    started = time.perf_counter()
    answers = await asyncio.gather(*(book(c, slot_id) for c in clients))
    return list(answers), time.perf_counter() - started


async def test_fifty_citizens_racing_for_the_last_place_get_one_booking(
    app: Litestar, client: Client, dopa: Signer, db: Database
) -> None:
    office = await make_office(client, dopa)
    last, later, next_day = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": local(3, 9).isoformat(), "capacity": 1},
        {"service": SERVICE, "starts_at": local(3, 10).isoformat(), "capacity": 3},
        {"service": SERVICE, "starts_at": local(4, 9).isoformat(), "capacity": 2},
    )
    clients = await _citizens(app, CITIZENS)
    try:
        answers, elapsed = await _race(clients, last["id"])
    finally:
        for c in clients:
            await c.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (CITIZENS - 1), codes
    refused = next(a.json() for a in answers if a.status_code == 409)
    assert refused["code"] == "slot_full"
    assert refused["message"] and refused["message_th"]
    assert [s["id"] for s in refused["next_free"]] == [later["id"], next_day["id"]]
    assert refused["next_free"][0]["free"] == 3
    assert refused["next_free"][0]["when"]["th"].endswith(f"{local(3, 10).year + 543} 10:00")
    slot = await Slot.select(Slot.booked).where(Slot.id == last["id"]).first()
    assert slot == {"booked": 1}
    assert await Booking.count().where(Booking.slot == last["id"]) == 1
    print(
        f"\n[{db.kind}] {CITIZENS} concurrent bookings of the last place: {elapsed * 1000:.0f} ms,"
        f" {CITIZENS / elapsed:.0f} answers/s (1 booked, {CITIZENS - 1} × 409)"
    )


async def test_fifty_citizens_booking_fifty_places_at_once_all_get_one(
    app: Litestar, client: Client, dopa: Signer, db: Database
) -> None:
    office = await make_office(client, dopa)
    [slot] = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": local(3, 9).isoformat(), "capacity": CITIZENS + 1},
    )
    clients = await _citizens(app, CITIZENS)
    try:
        answers, elapsed = await _race(clients, slot["id"])
        again = await book(clients[0], slot["id"])  # one place each: the second is refused
    finally:
        for c in clients:
            await c.aclose()
    assert [a.status_code for a in answers] == [201] * CITIZENS
    assert again.status_code == 409 and again.json()["code"] == "already_booked"
    assert await Slot.select(Slot.booked).where(Slot.id == slot["id"]).first() == {
        "booked": CITIZENS
    }
    references = {a.json()["reference"] for a in answers}
    assert len(references) == CITIZENS
    print(
        f"\n[{db.kind}] {CITIZENS} concurrent bookings of one slot (all succeed):"
        f" {elapsed * 1000:.0f} ms, {CITIZENS / elapsed:.0f} bookings/s"
    )
