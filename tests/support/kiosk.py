"""A kiosk registered, activated and serving a citizen: builders the test packages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import csrf

Client = AsyncTestClient[Any]

__all__ = [
    "CURRENT",
    "KioskSetup",
    "activate",
    "approve",
    "check_id_card",
    "consent_in_person",
    "consent_with_passkey",
    "recovery_code",
    "register_kiosk",
    "start",
]

CURRENT = "/api/v1/kiosk/assisted-sessions/current"


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


async def consent_with_passkey(client: Client, citizen_key: SoftAuthenticator) -> Any:
    """The citizen confirms on the kiosk with their own passkey."""
    options = await client.post(f"{CURRENT}/consent/passkey/options", headers=csrf(client))
    assert options.status_code == 200, options.text
    credential = citizen_key.authenticate(options.json()["public_key"])
    return await client.post(
        f"{CURRENT}/consent/passkey", json={"credential": credential}, headers=csrf(client)
    )


async def check_id_card(client: Client) -> Any:
    return await client.post(f"{CURRENT}/id-card-check", headers=csrf(client))


async def approve(
    client: Client,
    approver_key: SoftAuthenticator,
    action: str,
    reason: str = "โทรศัพท์หาย ตรวจบัตรแล้ว",
) -> Any:
    """A second staff member approves `action` with their passkey on the kiosk."""
    options = await client.post(
        f"{CURRENT}/approvals/options",
        json={"action": action, "reason": reason},
        headers=csrf(client),
    )
    assert options.status_code == 200, options.text
    credential = approver_key.authenticate(options.json()["public_key"])
    return await client.post(
        f"{CURRENT}/approvals", json={"credential": credential}, headers=csrf(client)
    )


async def recovery_code(client: Client, national_id: str) -> Any:
    return await client.post(
        "/api/v1/staff/recovery-codes", json={"national_id": national_id}, headers=csrf(client)
    )
