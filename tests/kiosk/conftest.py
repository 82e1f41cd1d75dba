"""A registered kiosk with a signed-in operator, ready to serve citizens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.flows import csrf, enrol_staff

Client = AsyncTestClient[Any]


@dataclass
class KioskSetup:
    client: Client  # the kiosk's browser, operator signed in
    kiosk_id: int
    operator_id: int


async def register_kiosk(admin: Client, name: str = "ที่ว่าการอำเภอบ้านไผ่") -> dict[str, Any]:
    response = await admin.post(
        "/api/v1/admin/kiosks",
        json={"name": name, "district": "บ้านไผ่", "province": "ขอนแก่น"},
        headers=csrf(admin),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def activate(client: Client, code: str) -> Any:
    return await client.post("/api/v1/kiosk/activate", json={"code": code}, headers=csrf(client))


@pytest.fixture
async def admin(make_client: Any) -> AsyncIterator[Client]:
    async with make_client() as client:
        await enrol_staff(client, "admin", full_name="ผู้ดูแล ระบบ")
        yield client


@pytest.fixture
async def kiosk(admin: Client, make_client: Any) -> AsyncIterator[KioskSetup]:
    registered = await register_kiosk(admin)
    async with make_client() as client:
        assert (await activate(client, registered["code"])).status_code == 200
        operator = await enrol_staff(client, "operator", full_name="สมศรี ผู้ให้บริการ")
        yield KioskSetup(
            client=client, kiosk_id=registered["kiosk"]["id"], operator_id=operator["account"]["id"]
        )


async def start(client: Client, national_id: str, **extra: Any) -> Any:
    return await client.post(
        "/api/v1/kiosk/assisted-sessions",
        json={"national_id": national_id, **extra},
        headers=csrf(client),
    )


async def consent_in_person(client: Client) -> Any:
    return await client.post(
        "/api/v1/kiosk/assisted-sessions/current/consent/in-person",
        json={"id_card_checked": True},
        headers=csrf(client),
    )
