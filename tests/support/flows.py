"""Drive the portal's passkey ceremonies through the HTTP API, as a browser would."""

from __future__ import annotations

import random
from typing import Any

from litestar.testing import AsyncTestClient

from backend.accounts.services import issue_invitation, issue_recovery_code
from backend.system.audit import Actor
from tests.support.authenticator import SoftAuthenticator

__all__ = ["csrf", "enrol_citizen", "enrol_staff", "sign_in", "thai_id"]

Client = AsyncTestClient[Any]
ORIGIN = "http://portal.localhost:8000"


def thai_id(seed: int | None = None) -> str:
    """A valid 13-digit Thai ID number (mod-11 checksum), random unless seeded."""
    rng = random.Random(seed)
    first = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    total = sum(int(d) * (13 - i) for i, d in enumerate(first))
    return first + str((11 - total % 11) % 10)


def csrf(client: Client) -> dict[str, str]:
    """The header the PWA sends on writes: the CSRF cookie's value."""
    token = client.cookies.get("portal_csrf")
    return {"x-csrf-token": token} if token else {}


async def enrol_citizen(
    client: Client,
    authenticator: SoftAuthenticator | None = None,
    *,
    national_id: str | None = None,
    full_name: str = "สมชาย ใจดี",
    phone: str = "0812345678",
    language: str = "th",
) -> dict[str, Any]:
    """Enrol a citizen with a new passkey; returns the signed-in session body."""
    authenticator = authenticator or SoftAuthenticator(origin=ORIGIN)
    start = await client.post(
        "/api/v1/auth/enrol/options",
        json={
            "national_id": national_id or thai_id(),
            "full_name": full_name,
            "phone": phone,
            "language": language,
        },
        headers=csrf(client),
    )
    assert start.status_code == 200, start.text
    credential = authenticator.register(start.json()["public_key"])
    done = await client.post(
        "/api/v1/auth/enrol",
        json={"credential": credential, "name": "โทรศัพท์"},
        headers=csrf(client),
    )
    assert done.status_code == 201, done.text
    body: dict[str, Any] = done.json()
    return body


async def sign_in(
    client: Client,
    authenticator: SoftAuthenticator,
    *,
    national_id: str | None = None,
    **assertion: Any,
) -> Any:
    """Run the sign-in ceremony; returns the final response (not asserted)."""
    payload = {"national_id": national_id} if national_id else {}
    start = await client.post("/api/v1/auth/signin/options", json=payload, headers=csrf(client))
    assert start.status_code == 200, start.text
    credential = authenticator.authenticate(start.json()["public_key"], **assertion)
    return await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )


async def enrol_staff(
    client: Client,
    role: str,
    authenticator: SoftAuthenticator | None = None,
    *,
    agency: str | None = None,
    full_name: str = "เจ้าหน้าที่ ทดสอบ",
) -> dict[str, Any]:
    """Create a staff account the way an admin invitation does, and sign it in."""
    code, _ = await issue_invitation(
        Actor(account_id=None, role="test"), role=role, full_name=full_name, agency_code=agency
    )
    authenticator = authenticator or SoftAuthenticator(origin=ORIGIN)
    start = await client.post(
        "/api/v1/auth/invitation/options", json={"code": code}, headers=csrf(client)
    )
    assert start.status_code == 200, start.text
    credential = authenticator.register(start.json()["public_key"])
    done = await client.post(
        "/api/v1/auth/invitation", json={"credential": credential}, headers=csrf(client)
    )
    assert done.status_code == 201, done.text
    body: dict[str, Any] = done.json()
    return body


async def recovery_code_for(national_id: str) -> str:
    """A recovery code as a district office issues one (the kiosk's rules are tested in
    tests/kiosk): for tests of redeeming it."""
    code, _, _ = await issue_recovery_code(Actor(account_id=None, role="operator"), national_id)
    return code
