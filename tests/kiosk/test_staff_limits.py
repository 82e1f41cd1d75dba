"""Per operator per day, in-person powers are counted; past the limit the next is refused and
an alert is kept that admins list (issue 14, point 6)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.kiosk.tables import StaffAlert
from backend.settings import ROOT, Settings
from tests.support.flows import thai_id
from tests.support.kiosk import KioskSetup, check_id_card, consent_in_person, recovery_code, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]

LIMIT = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, staff_daily_limit=LIMIT)


async def walk_in(kiosk: KioskSetup, seed: int) -> str:
    """A citizen with no phone, enrolled after an ID-card check (one check each)."""
    national_id = thai_id(seed)
    response = await start(kiosk.client, national_id, id_card_checked=True, full_name="ผู้ มาใหม่")
    assert response.status_code == 201, response.text
    return national_id


async def test_recovery_codes_past_the_daily_limit_are_refused_and_alerted(
    kiosk: KioskSetup, admin: Client
) -> None:
    national_id = await walk_in(kiosk, 61)
    for _ in range(LIMIT):
        assert (await recovery_code(kiosk.client, national_id)).status_code == 201
    refused = await recovery_code(kiosk.client, national_id)
    assert (refused.status_code, refused.json()["code"]) == (403, "staff_daily_limit")
    assert "แจ้งผู้ดูแลแล้ว" in refused.json()["message_th"]

    listed = (await admin.get("/api/v1/admin/alerts")).json()
    assert [(a["operator_id"], a["kiosk_id"], a["action"], a["times"]) for a in listed] == [
        (kiosk.operator_id, kiosk.kiosk_id, "recovery_code", LIMIT)
    ]
    assert listed[0]["operator_name"] == "สมศรี ผู้ให้บริการ"
    # Operators do not see the alerts.
    assert (await kiosk.client.get("/api/v1/admin/alerts")).status_code == 403


async def test_id_card_checks_and_in_person_consents_are_counted_each(kiosk: KioskSetup) -> None:
    for seed in (62, 63):
        await walk_in(kiosk, seed)
        assert (await consent_in_person(kiosk.client)).status_code == 200
    # Two checks and two consents today: a third of either is refused.
    third = await start(kiosk.client, thai_id(64), id_card_checked=True, full_name="คน ที่สาม")
    assert (third.status_code, third.json()["code"]) == (403, "staff_daily_limit")
    await start(kiosk.client, thai_id(62))  # a known citizen, no new check
    assert (await check_id_card(kiosk.client)).json()["code"] == "staff_daily_limit"
    consent = await consent_in_person(kiosk.client)
    assert (consent.status_code, consent.json()["code"]) == (403, "staff_daily_limit")
    actions = [r["action"] for r in await StaffAlert.select(StaffAlert.action)]
    assert actions == ["id_card_check", "id_card_check", "in_person_consent"]


async def test_portal_audit_alerts_lists_them(kiosk: KioskSetup, db: Any) -> None:
    national_id = await walk_in(kiosk, 65)
    for _ in range(LIMIT + 1):
        await recovery_code(kiosk.client, national_id)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.cli",
        "audit",
        "alerts",
        env={**os.environ, "DATABASE_URL": db.url, "VAR_DIR": str(db.var_dir)},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    printed = out.decode()
    assert f"operator {kiosk.operator_id} (สมศรี ผู้ให้บริการ)" in printed
    assert "recovery_code: 2 in 24 h (limit 2)" in printed
