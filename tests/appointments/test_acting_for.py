"""Booking for someone else: a delegate passes the same allow-list as for applications
(booking needs the `apply` power, reading `follow`; only within the services granted), and a
booking made for the grantor is theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.appointments.tables import Booking
from backend.delegation.services import today
from tests.support.agency import Signer
from tests.support.appointments import SERVICE, book, local, make_office, publish
from tests.support.flows import csrf, enrol_citizen, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def _delegate(grantor: Client, phone: Client, powers: list[str], services: list[str]) -> int:
    invited = await grantor.post(
        "/api/v1/delegations",
        json={
            "powers": powers,
            "services": services,
            "valid_until": (today() + dt.timedelta(days=30)).isoformat(),
        },
        headers=csrf(grantor),
    )
    assert invited.status_code == 201, invited.text
    accepted = await phone.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited.json()["invitation"]},
        headers=csrf(phone),
    )
    assert accepted.status_code == 200, accepted.text
    delegation_id = int(invited.json()["delegation"]["id"])
    acting = await phone.post(f"/api/v1/acting-for/{delegation_id}", headers=csrf(phone))
    assert acting.status_code == 200, acting.text
    return delegation_id


async def test_a_delegate_books_within_the_grant_only(
    client: Client, make_client: Any, dopa: Signer
) -> None:
    grantor = await enrol_citizen(client, national_id=thai_id(1801), full_name="ยายสมศรี ใจดี")
    office = await make_office(client, dopa)
    [slot] = await publish(
        client, dopa, office["id"], {"service": SERVICE, "starts_at": local(3, 9).isoformat()}
    )
    async with make_client() as phone:
        me = await enrol_citizen(phone, national_id=thai_id(1802), full_name="สมหญิง ลูกสาว")
        await _delegate(client, phone, ["follow"], [SERVICE])
        assert (await phone.get("/api/v1/appointments")).status_code == 200
        refused = await book(phone, slot["id"])
        assert refused.status_code == 403, refused.text  # following is not applying

    async with make_client() as phone:
        await enrol_citizen(phone, national_id=thai_id(1803))
        await _delegate(client, phone, ["follow", "apply"], ["change-health-unit"])
        outside = await book(phone, slot["id"])
        assert outside.status_code == 404, outside.text  # a service outside the grant

    async with make_client() as phone:
        await enrol_citizen(phone, national_id=thai_id(1804))
        await _delegate(client, phone, ["follow", "apply"], [SERVICE])
        made = await book(phone, slot["id"])
        assert made.status_code == 201, made.text

    row = await Booking.select(Booking.account, Booking.booked_by).first()
    assert row is not None and row["account"] == grantor["account"]["id"]
    assert row["booked_by"] not in (None, me["account"]["id"], grantor["account"]["id"])
    mine = (await client.get("/api/v1/appointments")).json()["items"]
    assert [b["id"] for b in mine] == [made.json()["id"]]
