"""The citizen is told, on every device, every time, when staff act on their account or its
ways in change (issue 14, point 2): a notice in the notification centre and a push, in their
language, saying what, where, and what to do if it was not them. Never muted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from backend.notifications.tables import Notification
from backend.settings import Settings
from backend.system.outbox.worker import Worker, open_handlers
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, recovery_code_for, thai_id
from tests.support.kiosk import activate, consent_with_passkey, register_kiosk, start
from tests.support.notifications import NOTIFICATIONS, PREFERENCES, subscribe_device
from tests.support.push_service import PushService

pytestmark = pytest.mark.usefixtures("db")

Client = Any

OFFICE = "ที่ว่าการอำเภอบ้านไผ่"


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[Worker]:
    async with open_handlers(settings) as handlers:
        yield Worker(handlers, worker_id="w1")


async def notices(client: Client) -> list[dict[str, Any]]:
    page = (await client.get(NOTIFICATIONS)).json()
    return [n for n in page["items"] if n["kind"] == "security"]


async def test_a_visit_at_a_district_office_is_told_on_every_device(
    make_client: Any, push: PushService, worker: Worker
) -> None:
    national_id = thai_id(81)
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone, make_client() as admin, make_client() as kiosk:
        await enrol_citizen(phone, key, national_id=national_id)
        # Muting every kind mutes status news, never these.
        await phone.put(
            PREFERENCES,
            json={"muted": ["status_update", "needs_info", "decision"]},
            headers=csrf(phone),
        )
        devices = [await subscribe_device(phone, push) for _ in range(2)]
        await enrol_staff(admin, "admin")
        assert (await activate(kiosk, (await register_kiosk(admin))["code"])).status_code == 200
        await enrol_staff(kiosk, "operator")

        assert (await start(kiosk, national_id)).status_code == 201
        assert (await consent_with_passkey(kiosk, key)).status_code == 200
        finished = await kiosk.post(
            "/api/v1/kiosk/assisted-sessions/current/finish", headers=csrf(kiosk)
        )
        assert finished.status_code == 200

        listed = await notices(phone)
        assert [n["text"]["th"].split(" หากไม่ใช่คุณ")[0] for n in listed] == [
            f"การให้บริการแทนคุณสิ้นสุดแล้ว ที่{OFFICE}, ขอนแก่น",
            f"มีการยินยอมให้เจ้าหน้าที่ทำรายการแทนคุณ ที่{OFFICE}, ขอนแก่น",
            f"เจ้าหน้าที่เริ่มให้บริการแทนคุณ ที่{OFFICE}, ขอนแก่น",
        ]
        assert all("1111" in n["text"]["th"] and "1111" in n["text"]["en"] for n in listed)
        assert {(n["url"], n["application_id"], n["status"]) for n in listed} == {
            ("/#/account", None, None)
        }

    while (await worker.run_once()).claimed:
        pass
    for device in devices:  # delivered, decrypted as the browser would
        bodies = [r.json() for r in push.received[device["endpoint"]]]
        assert [b["kind"] for b in bodies] == ["security"] * 3
        assert bodies[0]["title"] == "บัญชีของคุณ"
        assert bodies[0]["body"].startswith(f"เจ้าหน้าที่เริ่มให้บริการแทนคุณ ที่{OFFICE}")
        assert {b["url"] for b in bodies} == {"/#/account"}
    assert push.rejected == []


async def test_changes_to_the_ways_in_and_contact_details_are_told_in_english(
    make_client: Any,
) -> None:
    national_id = thai_id(82)
    async with make_client() as phone, make_client() as new_phone:
        await enrol_citizen(phone, national_id=national_id, language="en")
        await phone.patch("/api/v1/me/profile", json={"language": "en"}, headers=csrf(phone))
        assert await notices(phone) == []  # the language alone is not worth a notice
        await phone.patch("/api/v1/me/profile", json={"phone": "0811111111"}, headers=csrf(phone))

        code = await recovery_code_for(national_id)
        start_recovery = await new_phone.post("/api/v1/auth/recover/options", json={"code": code})
        credential = SoftAuthenticator(origin=ORIGIN).register(start_recovery.json()["public_key"])
        recovered = await new_phone.post(
            "/api/v1/auth/recover",
            json={"credential": credential, "name": "new"},
            headers=csrf(new_phone),
        )
        assert recovered.status_code == 200, recovered.text

        said = [n["text"]["en"].split(" If this")[0] for n in await notices(phone)]
        assert said == [
            "A new passkey was added to your account with a recovery code.",
            "A recovery code for your account was issued.",
            "The phone number or address on your account was changed.",
        ]
    assert await Notification.count().where(Notification.kind == "security") == 3
