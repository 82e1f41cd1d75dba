"""The citizen's view of one application carries its visit (`parts.appointments`), so the
app keeps it on the phone: bookable while its service has free times and nothing is booked,
then the booking with the reference's QR code for the kiosk; nothing for a draft."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.agency import Signer, apply_id_card
from tests.support.appointments import SERVICE, book, local, make_office, publish
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def _parts(client: Client, app_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/applications/{app_id}")
    assert response.status_code == 200, response.text
    parts: dict[str, Any] = response.json().get("parts", {})
    return parts


async def test_the_application_carries_its_visit(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client)
    app_id = await apply_id_card(client)
    assert await _parts(client, app_id) == {}  # no office publishes a time yet
    draft = await apply_id_card(client, submit=False)

    office = await make_office(client, dopa)
    [slot] = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": local(3, 9).isoformat(), "capacity": 1},
    )
    assert await _parts(client, app_id) == {"appointments": {"bookings": [], "bookable": True}}
    assert await _parts(client, draft) == {}

    made = await book(client, slot["id"], app_id)
    assert made.status_code == 201, made.text
    assert made.json()["qr_svg"].startswith("<svg")
    visits = (await _parts(client, app_id))["appointments"]
    assert "bookable" not in visits  # booked: nothing more to book
    [booking] = visits["bookings"]
    assert booking["reference"] == made.json()["reference"]
    assert booking["when"]["th"].endswith(f"{local(3, 9).year + 543} 09:00")
    assert "<title>Booking</title>" in booking["qr_svg"]
    # A regular QR code (21 modules and a border of 2, 6 px each), not the Micro QR that
    # segno would pick for 8 characters and phones' cameras do not read.
    assert 'width="150" height="150"' in booking["qr_svg"]

    cancelled = await client.delete(f"/api/v1/appointments/{booking['id']}", headers=csrf(client))
    assert cancelled.status_code == 200, cancelled.text
    assert "qr_svg" not in cancelled.json()  # a cancelled booking is nothing to show
    assert await _parts(client, app_id) == {"appointments": {"bookings": [], "bookable": True}}
