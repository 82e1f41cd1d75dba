"""Recovery codes only in person, for the citizen in front of the operator, with a second
staff member's approval where the citizen can still sign in; in-person consent only where no
other consent is possible (issue 14, points 1 and 4). Each abuse is replayed as the review
found it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account, OneTimeCode
from backend.kiosk.tables import AssistedSession, StaffApproval
from backend.notifications.tables import Notification
from backend.system.tables import AuditEntry
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, thai_id
from tests.support.kiosk import (
    KioskSetup,
    approve,
    check_id_card,
    consent_in_person,
    recovery_code,
    start,
)

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def account_of(national_id: str) -> int:
    row = await Account.select(Account.id).where(held_by(national_id)).first()
    assert row is not None
    return int(row["id"])


async def entries(action: str) -> list[dict[str, Any]]:
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


@pytest.fixture
async def victim(make_client: Any) -> str:
    """A citizen with a passkey on their own phone: their ID number."""
    national_id = thai_id(91)
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=national_id)
    return national_id


@pytest.fixture
async def supervisor(make_client: Any) -> SoftAuthenticator:
    """Another operator of the district office, whose passkey approves exceptions."""
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as client:
        await enrol_staff(client, "operator", key, full_name="หัวหน้า ฝ่ายทะเบียน")
    return key


async def test_an_operator_away_from_a_kiosk_gets_no_code(make_client: Any, victim: str) -> None:
    """The review's takeover: an operator signed in from any browser asks for a code."""
    async with make_client() as browser:
        await enrol_staff(browser, "operator")
        response = await recovery_code(browser, victim)
    assert response.status_code == 403
    assert response.json()["code"] == "recovery_in_person_only"
    assert "ออกรหัสกู้คืนบัญชีได้เฉพาะ" in response.json()["message_th"]
    assert await OneTimeCode.count().where(OneTimeCode.purpose == "recovery") == 0


async def test_only_for_the_citizen_in_front_after_an_id_card_check(
    kiosk: KioskSetup, victim: str
) -> None:
    walk_in = thai_id(92)
    assert (await recovery_code(kiosk.client, victim)).status_code == 403  # nobody served
    await start(kiosk.client, walk_in, id_card_checked=True, full_name="ยายมา ไม่มีโทรศัพท์")
    other = await recovery_code(kiosk.client, victim)  # serving someone else
    assert (other.status_code, other.json()["code"]) == (403, "recovery_in_person_only")

    await start(kiosk.client, walk_in)  # the same citizen again, card not checked this time
    unchecked = await recovery_code(kiosk.client, walk_in)
    assert (unchecked.status_code, unchecked.json()["code"]) == (403, "recovery_in_person_only")
    assert (await check_id_card(kiosk.client)).json()["id_card_checked"] is True
    issued = await recovery_code(kiosk.client, walk_in)  # no passkey: the operator alone
    assert issued.status_code == 201, issued.text
    assert issued.json()["qr_svg"].startswith("<svg")
    assert issued.json()["url"].endswith(issued.json()["code"])
    [entry] = await entries("recovery.issued")
    assert (entry["subject_account_id"], entry["actor_account_id"], entry["kiosk_id"]) == (
        await account_of(walk_in),
        kiosk.operator_id,
        kiosk.kiosk_id,
    )
    assert [e["subject_account_id"] for e in await entries("assisted.id_card_checked")] == [
        await account_of(walk_in)
    ]


async def test_a_citizen_who_can_sign_in_needs_a_second_staff_member(
    kiosk: KioskSetup, make_client: Any, victim: str, supervisor: SoftAuthenticator
) -> None:
    await start(kiosk.client, victim, id_card_checked=True)
    alone = await recovery_code(kiosk.client, victim)
    assert (alone.status_code, alone.json()["code"]) == (403, "second_staff_approval_required")
    assert await OneTimeCode.count().where(OneTimeCode.purpose == "recovery") == 0

    # Neither the operator's own passkey nor a citizen's approves.
    own_key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as other_kiosk_browser:
        await enrol_staff(other_kiosk_browser, "officer", own_key, agency="DOPA")
    refused = await approve(kiosk.client, own_key, "recovery_code")
    assert (refused.status_code, refused.json()["code"]) == (403, "second_staff_required")
    citizen_key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        await enrol_citizen(phone, citizen_key)
    assert (await approve(kiosk.client, citizen_key, "recovery_code")).status_code == 403
    assert await StaffApproval.count() == 0

    approved = await approve(kiosk.client, supervisor, "recovery_code", "ทำโทรศัพท์หาย")
    assert approved.status_code == 201, approved.text
    issued = await recovery_code(kiosk.client, victim)
    assert issued.status_code == 201, issued.text
    [entry] = await entries("recovery.issued")
    approver = await Account.select(Account.id).where(Account.full_name == "หัวหน้า ฝ่ายทะเบียน")
    assert entry["detail"] == {"approved_by": approver[0]["id"]}
    [approval] = await entries("assisted.approved")
    assert approval["detail"]["reason"] == "ทำโทรศัพท์หาย"
    # An approval is used once.
    again = await recovery_code(kiosk.client, victim)
    assert (again.status_code, again.json()["code"]) == (403, "second_staff_approval_required")


async def test_in_person_consent_is_refused_for_a_citizen_who_can_consent(
    kiosk: KioskSetup, victim: str, supervisor: SoftAuthenticator
) -> None:
    """The review's consent by the operator's word, for a citizen with a passkey."""
    await start(kiosk.client, victim, id_card_checked=True)
    refused = await consent_in_person(kiosk.client)
    assert (refused.status_code, refused.json()["code"]) == (409, "consent_in_person_refused")
    assert "โทรศัพท์ของตนเอง" in refused.json()["message_th"]
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403
    assert (await AssistedSession.select(AssistedSession.consent_at).first() or {})[
        "consent_at"
    ] is None

    assert (await approve(kiosk.client, supervisor, "in_person_consent")).status_code == 201
    allowed = await consent_in_person(kiosk.client)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["consent_method"] == "in_person_override"
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 200
    [consent] = await entries("assisted.consent")
    assert consent["detail"]["method"] == "in_person_override"
    assert consent["detail"]["reason"] == "โทรศัพท์หาย ตรวจบัตรแล้ว"
    assert consent["subject_account_id"] == await account_of(victim)
    told = await Notification.select(Notification.text_en).where(
        Notification.account == await account_of(victim)
    )
    assert any("A supervisor allowed an officer" in n["text_en"] for n in told)


async def test_in_person_consent_stays_for_a_citizen_with_no_passkey(kiosk: KioskSetup) -> None:
    await start(kiosk.client, thai_id(93), id_card_checked=True, full_name="ตา ไม่มีโทรศัพท์")
    consent = await consent_in_person(kiosk.client)
    assert consent.status_code == 200, consent.text
    assert consent.json()["consent_method"] == "in_person_id_check"


async def test_approvals_need_an_open_session_at_a_kiosk(
    make_client: Any, supervisor: SoftAuthenticator
) -> None:
    async with make_client() as browser:
        await enrol_staff(browser, "operator")
        response = await browser.post(
            "/api/v1/kiosk/assisted-sessions/current/approvals/options",
            json={"action": "recovery_code", "reason": "ทำโทรศัพท์หาย"},
            headers=csrf(browser),
        )
    assert (response.status_code, response.json()["code"]) == (403, "kiosk_required")
