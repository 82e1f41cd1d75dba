"""At the office: the kiosk checks the citizen in and prints a queue ticket, the officer
console lists the day's bookings and arrivals, and no-shows are recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.appointments.services import sweep_no_shows
from backend.appointments.tables import Booking
from backend.settings import Settings
from backend.system.registry import Housekeeping
from tests.support.agency import Signer, apply_id_card
from tests.support.appointments import (
    OFFICES,
    SERVICE,
    book,
    local,
    make_office,
    move_slot_to,
    publish,
)
from tests.support.authenticator import SoftAuthenticator
from tests.support.database import ORIGIN
from tests.support.flows import csrf, enrol_citizen, enrol_staff, thai_id
from tests.support.kiosk import KioskSetup, consent_with_passkey, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
CHECK_IN = "/api/v1/kiosk/check-in"


async def _today(
    client: Client, make_client: Any, dopa: Signer, citizens: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An office and `citizens` bookings of a slot that has now come (today)."""
    office = await make_office(client, dopa)
    [slot] = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": local(3, 9).isoformat(), "capacity": 5},
    )
    bookings = []
    for _ in range(citizens):
        async with make_client() as citizen:
            await enrol_citizen(citizen)
            app_id = await apply_id_card(citizen)
            made = await book(citizen, slot["id"], app_id)
            assert made.status_code == 201, made.text
            bookings.append(made.json())
    await move_slot_to(slot["id"], dt.datetime.now(dt.UTC))
    return office, bookings


async def test_the_kiosk_checks_citizens_in_with_a_queue_ticket(
    client: Client, make_client: Any, dopa: Signer, kiosk: KioskSetup
) -> None:
    office, (first, second) = await _today(client, make_client, dopa, 2)
    kiosk_client = kiosk.client
    ticket = await kiosk_client.post(
        CHECK_IN, json={"reference": first["reference"].lower()}, headers=csrf(kiosk_client)
    )
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["queue_number"] == 1
    assert ticket.json()["text"]["th"] == "บัตรคิวหมายเลข 001"
    assert ticket.json()["booking"]["status"] == "checked_in"
    by_tracking = await kiosk_client.post(
        CHECK_IN, json={"tracking_code": second["tracking_code"]}, headers=csrf(kiosk_client)
    )
    assert by_tracking.status_code == 200, by_tracking.text
    assert by_tracking.json()["queue_number"] == 2
    again = await kiosk_client.post(
        CHECK_IN, json={"reference": first["reference"]}, headers=csrf(kiosk_client)
    )
    assert again.json()["queue_number"] == 1  # the same ticket, not a new place in the queue
    unknown = await kiosk_client.post(
        CHECK_IN, json={"reference": "NOPE1234"}, headers=csrf(kiosk_client)
    )
    assert unknown.status_code == 404
    empty = await kiosk_client.post(CHECK_IN, json={}, headers=csrf(kiosk_client))
    assert empty.status_code == 422
    row = await Booking.select(Booking.kiosk_id).where(Booking.id == first["id"]).first()
    assert row == {"kiosk_id": kiosk.kiosk_id}

    # Only an operator at a registered kiosk checks citizens in.
    refused = await client.post(
        CHECK_IN, json={"reference": first["reference"]}, headers=csrf(client)
    )
    assert refused.status_code in (401, 403)

    # The officer console: the day's bookings and who arrived.
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="DOPA")
        day = await officer.get(f"/api/v1/officer/offices/{office['id']}/appointments")
        assert day.status_code == 200, day.text
        body = day.json()
        assert (body["booked"], body["arrived"], body["no_shows"]) == (2, 2, 0)
        assert {b["booking"]["queue_number"] for b in body["bookings"]} == {1, 2}
        assert all(b["citizen_name"] for b in body["bookings"])
    signed = await dopa.request(client, "GET", f"{OFFICES}/{office['id']}/appointments")
    assert signed.status_code == 200 and signed.json()["arrived"] == 2


async def test_a_booking_on_another_day_is_not_checked_in(
    client: Client, make_client: Any, dopa: Signer, kiosk: KioskSetup
) -> None:
    office = await make_office(client, dopa)
    [slot] = await publish(
        client, dopa, office["id"], {"service": SERVICE, "starts_at": local(3, 9).isoformat()}
    )
    async with make_client() as citizen:
        await enrol_citizen(citizen)
        booking = (await book(citizen, slot["id"])).json()
    response = await kiosk.client.post(
        CHECK_IN, json={"reference": booking["reference"]}, headers=csrf(kiosk.client)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_today"


async def test_no_shows_are_recorded_by_the_officer_or_housekeeping(
    client: Client, make_client: Any, dopa: Signer, settings: Settings
) -> None:
    _, (first, second) = await _today(client, make_client, dopa, 2)
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="DOPA")
        marked = await officer.post(
            f"/api/v1/officer/appointments/{first['id']}/no-show", headers=csrf(officer)
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["booking"]["status"] == "no_show"
        async with make_client() as stranger:
            await enrol_staff(stranger, "officer", agency="NHSO")
            other = await stranger.post(
                f"/api/v1/officer/appointments/{second['id']}/no-show", headers=csrf(stranger)
            )
            assert other.status_code == 404
    # Housekeeping: the slot long over, the other booking is a no-show too.
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    await Booking.update({Booking.status: "booked"}).where(Booking.id == second["id"])
    [slot_id] = {
        r["slot"] for r in await Booking.select(Booking.slot).where(Booking.id == second["id"])
    }
    await move_slot_to(slot_id, long_ago)
    run = Housekeeping(settings=settings, now=dt.datetime.now(dt.UTC), batch=100)
    assert await sweep_no_shows(run) == {"appointment_no_shows": 1}
    rows = await Booking.select(Booking.status).where(Booking.slot == slot_id)
    assert sorted(r["status"] for r in rows) == ["no_show", "no_show"]


async def test_the_id_card_checked_in_an_assisted_session_finds_the_booking(
    client: Client, make_client: Any, dopa: Signer, kiosk: KioskSetup
) -> None:
    office = await make_office(client, dopa)
    [slot] = await publish(
        client, dopa, office["id"], {"service": SERVICE, "starts_at": local(3, 9).isoformat()}
    )
    national_id = thai_id(1901)
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as citizen:
        await enrol_citizen(citizen, key, national_id=national_id)
        booking = (await book(citizen, slot["id"])).json()
    await move_slot_to(slot["id"], dt.datetime.now(dt.UTC))
    no_card = await kiosk.client.post(CHECK_IN, json={}, headers=csrf(kiosk.client))
    assert no_card.status_code == 422  # nothing to find the booking by
    started = await start(kiosk.client, national_id, id_card_checked=True)
    assert started.status_code == 201, started.text
    assert (await consent_with_passkey(kiosk.client, key)).status_code == 200
    ticket = await kiosk.client.post(CHECK_IN, json={}, headers=csrf(kiosk.client))
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["booking"]["reference"] == booking["reference"]
    assert ticket.json()["queue_number"] == 1
