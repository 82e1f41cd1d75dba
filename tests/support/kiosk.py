"""A kiosk registered, activated and serving a citizen: builders the test packages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.flows import csrf

Client = AsyncTestClient[Any]

__all__ = ["KioskSetup", "activate", "consent_in_person", "register_kiosk", "start"]


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
