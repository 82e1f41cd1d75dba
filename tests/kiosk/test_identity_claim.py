"""At a district office, the ID card proves the person, not the account (issue 13, point 3):
a self-asserted account with a passkey is verified only when its passkey consents; a
citizen whose number a squatter holds gets it back with a second staff member's approval,
and the squatter's account is frozen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import DISPUTED, held_by, open_id
from backend.accounts.tables import Account
from backend.applications.tables import Application
from backend.system.tables import AuditEntry
from tests.support.agency import apply_id_card
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id
from tests.support.kiosk import CURRENT, KioskSetup, approve, consent_with_passkey, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
CLAIM = f"{CURRENT}/claim-identity"


@pytest.fixture
async def supervisor(make_client: Any) -> SoftAuthenticator:
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as client:
        await enrol_staff(client, "operator", key, full_name="หัวหน้า ฝ่ายทะเบียน")
    return key


async def assurance_of(account_id: int) -> str:
    row = await Account.select(Account.assurance).where(Account.id == account_id).first()
    assert row is not None
    return str(row["assurance"])


async def test_the_card_alone_does_not_verify_an_account_with_a_passkey(
    kiosk: KioskSetup, make_client: Any
) -> None:
    national_id, key = thai_id(61), SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        account_id = (await enrol_citizen(phone, key, national_id=national_id))["account"]["id"]
    await start(kiosk.client, national_id, id_card_checked=True)
    assert await assurance_of(account_id) == "self_asserted"
    assert (await consent_with_passkey(kiosk.client, key)).status_code == 200
    assert await assurance_of(account_id) == "verified_in_person"


async def test_a_squatted_number_is_given_back_with_four_eyes(
    kiosk: KioskSetup, make_client: Any, supervisor: SoftAuthenticator
) -> None:
    national_id, squatter_key = thai_id(62), SoftAuthenticator(origin=ORIGIN)
    async with make_client() as squatter:
        enrolled = await enrol_citizen(squatter, squatter_key, national_id=national_id)
        submitted = await apply_id_card(squatter)
    squatter_id = enrolled["account"]["id"]
    await start(kiosk.client, national_id, id_card_checked=True)

    # The operator alone cannot: a second staff member must approve.
    alone = await kiosk.client.post(
        CLAIM, json={"full_name": "ตัวจริง ใจซื่อ"}, headers=csrf(kiosk.client)
    )
    assert (alone.status_code, alone.json()["code"]) == (403, "second_staff_approval_required")
    assert await Account.count().where(Account.frozen_reason != "") == 0

    assert (
        await approve(kiosk.client, supervisor, "identity_claim", "บัตรตรงกับผู้มาติดต่อ")
    ).status_code == 201
    claimed = await kiosk.client.post(
        CLAIM, json={"full_name": "ตัวจริง ใจซื่อ"}, headers=csrf(kiosk.client)
    )
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["citizen"]["assurance"] == "verified_in_person"
    assert claimed.json().get("consent_method", "") == ""  # the new account consents anew

    owner = await Account.select().where(held_by(national_id)).first()
    assert owner is not None and owner["id"] != squatter_id
    assert owner["assurance_provider"] == "kiosk"
    frozen = await Account.select().where(Account.id == squatter_id).first()
    assert frozen is not None and frozen["frozen_reason"] == "identity_disputed"
    assert frozen["national_id_sealed"] is None and frozen["national_id_index"] is None
    assert open_id(frozen["disputed_national_id_sealed"], DISPUTED) == national_id
    flagged = await Application.select(Application.identity_disputed).where(
        Application.id == submitted
    )
    assert flagged == [{"identity_disputed": True}]
    async with make_client() as squatter:
        assert (await sign_in(squatter, squatter_key)).status_code in (401, 403)
    [claim] = await AuditEntry.select().where(AuditEntry.action == "account.identity_claimed")
    detail = json.loads(claim["detail"])
    assert detail["frozen_account"] == squatter_id and detail["approver_id"]
    assert (claim["subject_account_id"], claim["kiosk_id"]) == (owner["id"], kiosk.kiosk_id)


async def test_a_verified_account_is_never_claimed(
    kiosk: KioskSetup, make_client: Any, supervisor: SoftAuthenticator
) -> None:
    national_id, key = thai_id(63), SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        await enrol_citizen(phone, key, national_id=national_id)
    await start(kiosk.client, national_id, id_card_checked=True)
    await consent_with_passkey(kiosk.client, key)  # verified in person now
    await approve(kiosk.client, supervisor, "identity_claim")
    refused = await kiosk.client.post(
        CLAIM, json={"full_name": "ใครก็ได้"}, headers=csrf(kiosk.client)
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "identity_verified_already")
    assert await Account.count().where(Account.frozen_reason != "") == 0
    bad = await kiosk.client.post(CLAIM, json={"full_name": ""}, headers=csrf(kiosk.client))
    assert bad.status_code == 400 and bad.json()["code"]


async def test_claims_count_against_the_operators_daily_limit(
    kiosk: KioskSetup, make_client: Any, supervisor: SoftAuthenticator
) -> None:
    from backend.kiosk.tables import StaffAlert
    from backend.system.audit import Actor, record

    operator = Actor(account_id=kiosk.operator_id, role="operator", kiosk_id=kiosk.kiosk_id)
    for _ in range(30):  # STAFF_DAILY_LIMIT's default
        await record("account.identity_claimed", operator)
    national_id = thai_id(64)
    async with make_client() as squatter:
        await enrol_citizen(squatter, national_id=national_id)
    await start(kiosk.client, national_id, id_card_checked=True)
    await approve(kiosk.client, supervisor, "identity_claim")
    refused = await kiosk.client.post(
        CLAIM, json={"full_name": "ตัวจริง"}, headers=csrf(kiosk.client)
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "staff_daily_limit")
    assert await StaffAlert.count().where(StaffAlert.action == "identity_claim") == 1
    assert await Account.count().where(Account.frozen_reason != "") == 0
