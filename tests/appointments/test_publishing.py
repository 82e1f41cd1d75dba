"""Agencies publish offices and slots through the signed API and the officer console; no
agency touches another's."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.agency import Signer
from tests.support.appointments import OFFICES, SERVICE, local, make_office, publish
from tests.support.flows import csrf, enrol_staff

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def test_an_agency_publishes_an_office_and_its_slots(client: Client, dopa: Signer) -> None:
    office = await make_office(client, dopa, closed_days=[local(4, 9).date().isoformat()])
    assert office["agency"] == "DOPA"
    assert office["timezone"] == "Asia/Bangkok"
    assert office["opening_hours"]["mon"] == ["08:30", "16:30"]
    listed = (await dopa.request(client, "GET", OFFICES)).json()
    assert [o["id"] for o in listed] == [office["id"]]

    start = local(3, 9)
    [slot] = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": start.isoformat(), "capacity": 4},
    )
    assert (slot["service"], slot["capacity"], slot["booked"]) == (SERVICE, 4, 0)
    # Sent again (a retry, or a change of capacity): the same slot, not a second one.
    [again] = await publish(
        client,
        dopa,
        office["id"],
        {"service": SERVICE, "starts_at": start.isoformat(), "capacity": 6, "minutes": 20},
    )
    assert (again["id"], again["capacity"]) == (slot["id"], 6)
    listing = await dopa.request(
        client, "GET", f"{OFFICES}/{office['id']}/slots", params={"days": 7}
    )
    assert [s["id"] for s in listing.json()] == [slot["id"]]

    refusals = [
        ({"starts_at": local(3, 7).isoformat()}, 422),  # before opening
        ({"starts_at": local(3, 16, 15).isoformat()}, 422),  # ends after closing
        ({"starts_at": local(4, 9).isoformat()}, 422),  # a closed day
        ({"starts_at": local(-1, 9).isoformat()}, 422),  # the past
        ({"starts_at": local(3, 9).replace(tzinfo=None).isoformat()}, 422),  # no offset
        ({"service": "change-health-unit"}, 404),  # NHSO's service, not DOPA's
    ]
    for change, code in refusals:
        body = {"service": SERVICE, "starts_at": local(3, 10).isoformat(), **change}
        response = await dopa.request(
            client, "POST", f"{OFFICES}/{office['id']}/slots", json={"slots": [body]}
        )
        assert response.status_code == code, (change, response.text)
        assert {"code", "message", "message_th"} <= response.json().keys()


async def test_another_agency_cannot_see_or_change_my_office(
    client: Client, dopa: Signer, nhso: Signer
) -> None:
    office = await make_office(client, dopa)
    slot = {"service": SERVICE, "starts_at": local(3, 9).isoformat()}
    body = {"name_th": "x", "name_en": "x"}
    for method, path, json in [
        ("PUT", f"{OFFICES}/{office['id']}", body),
        ("POST", f"{OFFICES}/{office['id']}/slots", {"slots": [slot]}),
        ("GET", f"{OFFICES}/{office['id']}/slots", None),
        ("GET", f"{OFFICES}/{office['id']}/appointments", None),
    ]:
        response = await nhso.request(client, method, path, json=json)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "office_not_found"
    assert (await nhso.request(client, "GET", OFFICES)).json() == []
    unsigned = await client.get(OFFICES)
    assert unsigned.status_code == 401


async def test_the_officer_console_publishes_for_its_own_agency(
    client: Client, make_client: Any
) -> None:
    await enrol_staff(client, "officer", agency="DOPA")
    made = await client.post(
        "/api/v1/officer/offices",
        json={
            "name_th": "สำนักงานเขตบางรัก",
            "name_en": "Bang Rak",
            "opening_hours": {"mon": ["08:30", "15:30"]},
        },
        headers=csrf(client),
    )
    assert made.status_code == 201, made.text
    office_id = made.json()["id"]
    monday = local(7 - local(0, 9).weekday(), 9)  # next Monday, 09:00
    published = await client.post(
        f"/api/v1/officer/offices/{office_id}/slots",
        json={"slots": [{"service": SERVICE, "starts_at": monday.isoformat(), "capacity": 2}]},
        headers=csrf(client),
    )
    assert published.status_code == 200, published.text
    listed = await client.get(f"/api/v1/officer/offices/{office_id}/slots", params={"days": 8})
    assert [s["capacity"] for s in listed.json()] == [2]

    async with make_client() as other:
        await enrol_staff(other, "officer", agency="NHSO")
        for response in (
            await other.get(f"/api/v1/officer/offices/{office_id}/slots"),
            await other.put(
                f"/api/v1/officer/offices/{office_id}",
                json={"name_th": "x", "name_en": "x"},
                headers=csrf(other),
            ),
        ):
            assert response.status_code == 404, response.text
