"""A citizen acting for another who authorised them (issue 17, points 1-5): made online or at
a kiosk, used within its powers, services and dates, ended at once, and told to both."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Account
from backend.agency_api.services.applications import application_view
from backend.applications.tables import Application
from backend.catalog.tables import Service
from backend.delegation.services import today
from backend.delegation.tables import Delegation
from backend.notifications.tables import Notification
from backend.system.audit import Actor
from backend.system.tables import AuditEntry
from tests.support.applications import agency_id, apply
from tests.support.flows import csrf, enrol_citizen, thai_id
from tests.support.kiosk import KioskSetup, consent_in_person, start
from tests.support.routes import call, signed_in_routes

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
HEALTH = "change-health-unit"
OTHER = "elderly-allowance"


@pytest.fixture
async def grantor(client: Client) -> dict[str, Any]:
    """The grantor's phone (the `client`), signed in; their account."""
    body = await enrol_citizen(client, national_id=thai_id(1701), full_name="ยายสมศรี ใจดี")
    return dict(body["account"])


@pytest.fixture
async def delegate(make_client: Any) -> AsyncIterator[tuple[Client, dict[str, Any]]]:
    """The delegate's own phone, signed in as themselves."""
    async with make_client() as phone:
        body = await enrol_citizen(phone, national_id=thai_id(1702), full_name="สมหญิง ลูกสาว")
        yield phone, dict(body["account"])


def terms(**changes: Any) -> dict[str, Any]:
    made = {
        "powers": ["follow", "apply"],
        "services": [HEALTH],
        "valid_until": (today() + dt.timedelta(days=30)).isoformat(),
    }
    return {**made, **changes}


async def invite(client: Client, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/delegations", json=terms(**changes), headers=csrf(client))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def accepted(grantor_phone: Client, delegate_phone: Client, **changes: Any) -> int:
    invited = await invite(grantor_phone, **changes)
    response = await delegate_phone.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited["invitation"]},
        headers=csrf(delegate_phone),
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "active"
    return int(invited["delegation"]["id"])


async def act_for(phone: Client, delegation_id: int) -> Any:
    return await phone.post(f"/api/v1/acting-for/{delegation_id}", headers=csrf(phone))


async def test_a_delegate_applies_for_the_grantor_who_is_told_and_the_agency_sees_both(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    phone, me = delegate
    invited = await invite(client)
    assert invited["link"].endswith(f"#/delegate?invitation={invited['invitation']}")
    assert invited["delegation"]["state"] == "invited"
    delegation_id = await accepted_after(client, phone, invited)

    acting = await act_for(phone, delegation_id)
    assert acting.status_code == 200, acting.text
    assert acting.json()["delegation"]["grantor_name"] == "ยายสมศรี ใจดี"
    assert (await phone.get("/api/v1/acting-for")).json()["acting"] is True

    applied = await apply(phone, service=HEALTH)
    assert applied.status_code == 201, applied.text
    row = await Application.select().where(Application.id == applied.json()["id"]).first()
    assert row is not None
    assert (row["account"], row["submitted_by"]) == (grantor["id"], me["id"])
    dashboard = (await phone.get("/api/v1/dashboard")).json()
    assert [i["tracking_code"] for i in dashboard["items"]] == [row["tracking_code"]]

    # The grantor is told, by name, and their activity log names the delegate.
    told = await Notification.select(Notification.text_th).where(
        Notification.account == grantor["id"]
    )
    assert any(
        "สมหญิง ลูกสาว ยื่นคำขอ" in t["text_th"] and row["tracking_code"] in t["text_th"] for t in told
    )
    activity = (await client.get("/api/v1/me/activity")).json()
    status_changed = [e for e in activity if e["action"] == "application.status_changed"]
    assert status_changed[0]["by"] == "delegate"
    assert status_changed[0]["by_name"] == "สมหญิง ลูกสาว"

    # The agency sees the applicant and, apart, who submitted for them.
    view = await application_view(
        await agency_id("NHSO"),
        row["id"],
        actor=Actor(account_id=None, role="agency_api"),
        action="agency.application_read",
        via="test",
        document_url="/x",
    )
    assert view.applicant.full_name == "ยายสมศรี ใจดี"
    assert view.submitted_by is not None
    assert (view.submitted_by.role, view.submitted_by.full_name) == ("delegate", "สมหญิง ลูกสาว")


async def accepted_after(client: Client, phone: Client, invited: dict[str, Any]) -> int:
    response = await phone.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited["invitation"]},
        headers=csrf(phone),
    )
    assert response.status_code == 200, response.text
    given = (await client.get("/api/v1/delegations")).json()["given"]
    assert [(g["state"], g["delegate_name"]) for g in given] == [("active", "สมหญิง ลูกสาว")]
    return int(invited["delegation"]["id"])


async def test_outside_its_services_and_powers_a_delegate_is_refused(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    del grantor
    phone, _ = delegate
    other = await apply(client, {}, service=OTHER, submit=False)  # the grantor's own draft
    assert other.status_code == 201, other.text
    delegation_id = await accepted(client, phone, powers=["follow"])
    assert (await act_for(phone, delegation_id)).status_code == 200

    # follow only: no applying, even for the service given
    refused = await apply(phone, service=HEALTH)
    assert (refused.status_code, refused.json()["code"]) == (403, "outside_consent")
    # another service's application is as if it did not exist, and not on the dashboard
    read = await phone.get(f"/api/v1/applications/{other.json()['id']}")
    assert read.status_code == 404
    assert (await phone.get("/api/v1/dashboard")).json()["items"] == []
    # no wallet without the documents power; never the owner's own routes
    for path in [
        "/api/v1/documents",
        "/api/v1/me/passkeys",
        "/api/v1/me/export",
        "/api/v1/me/activity",
        "/api/v1/me/notifications",
        "/api/v1/delegations",
    ]:
        response = await phone.get(path)
        assert response.status_code == 403, path
    changed = await phone.patch(
        "/api/v1/me/profile", json={"phone": "0899999999"}, headers=csrf(phone)
    )
    assert changed.status_code == 403


async def test_a_service_outside_the_grant_cannot_be_applied_for(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    del grantor
    phone, _ = delegate
    delegation_id = await accepted(client, phone)
    await act_for(phone, delegation_id)
    refused = await apply(phone, {}, service=OTHER, submit=False)
    assert (refused.status_code, refused.json()["code"]) == (403, "service_not_delegated")
    assert "ไม่ได้มอบอำนาจ" in refused.json()["message_th"]
    assert await Application.count() == 0


async def test_a_revocation_holds_on_the_delegates_next_request(
    client: Client,
    grantor: dict[str, Any],
    delegate: tuple[Client, dict[str, Any]],
    make_client: Any,
) -> None:
    phone, me = delegate
    delegation_id = await accepted(client, phone)
    await act_for(phone, delegation_id)
    in_use = await phone.get("/api/v1/dashboard")
    assert in_use.status_code == 200  # open and in use; the phone keeps none of it
    assert in_use.headers["cache-control"] == "no-store"
    async with make_client() as stranger:  # neither grantor nor delegate: not theirs to end
        await enrol_citizen(stranger, national_id=thai_id(1708), full_name="คนอื่น ไม่เกี่ยว")
        refused = await stranger.delete(
            f"/api/v1/delegations/{delegation_id}", headers=csrf(stranger)
        )
        assert refused.status_code == 404

    ended = await client.delete(f"/api/v1/delegations/{delegation_id}", headers=csrf(client))
    assert ended.status_code == 200, ended.text
    assert ended.json()["state"] == "ended"

    refused = await phone.get("/api/v1/dashboard")
    assert (refused.status_code, refused.json()["code"]) == (403, "delegation_ended")
    assert "portal_acting_for=;" in refused.headers["set-cookie"]
    refused_write = await apply(phone, service=HEALTH)  # never falls back to their own account
    assert refused_write.status_code in (403, 201)
    if refused_write.status_code == 201:  # the cookie was dropped: it is their own application
        row = await Application.select().where(Application.id == refused_write.json()["id"])
        assert row[0]["account"] == me["id"]
    assert not await Application.exists().where(Application.account == grantor["id"])
    told = await Notification.select(Notification.text_th).where(Notification.account == me["id"])
    assert any("ยกเลิกการมอบอำนาจ" in t["text_th"] for t in told)


async def test_an_expired_or_frozen_grant_is_refused(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    phone, _ = delegate
    delegation_id = await accepted(client, phone)
    await act_for(phone, delegation_id)
    await Delegation.update({Delegation.valid_until: today() - dt.timedelta(days=1)}).where(
        Delegation.id == delegation_id
    )
    assert (await phone.get("/api/v1/dashboard")).json()["code"] == "delegation_ended"
    assert (await act_for(phone, delegation_id)).status_code == 403

    await Delegation.update({Delegation.valid_until: today()}).where(Delegation.id == delegation_id)
    assert (await act_for(phone, delegation_id)).status_code == 200  # the last day counts
    await Account.update({Account.disabled_at: dt.datetime.now(dt.UTC)}).where(
        Account.id == grantor["id"]
    )
    assert (await phone.get("/api/v1/dashboard")).json()["code"] == "delegation_ended"


async def test_a_delegate_who_is_also_a_grantor_acts_for_one_person_at_a_time(
    client: Client,
    grantor: dict[str, Any],
    delegate: tuple[Client, dict[str, Any]],
    make_client: Any,
) -> None:
    del grantor
    phone, me = delegate
    mine = await apply(phone, service=HEALTH)  # the delegate's own application
    assert mine.status_code == 201
    async with make_client() as helper_phone:
        await enrol_citizen(helper_phone, national_id=thai_id(1703), full_name="หลาน ช่วยงาน")
        helps_me = await accepted(phone, helper_phone)
        for_grantor = await accepted(client, phone)
        await act_for(phone, for_grantor)
        # acting for the grantor: none of their own, nor their own authorisations
        assert (await phone.get("/api/v1/dashboard")).json()["items"] == []
        assert (await phone.get("/api/v1/delegations")).status_code == 403
        assert (await phone.delete("/api/v1/acting-for", headers=csrf(phone))).status_code == 200
        mine_again = (await phone.get("/api/v1/dashboard")).json()["items"]
        assert [i["id"] for i in mine_again] == [mine.json()["id"]]
        # whom they authorised acts for them, not for the grantor
        await act_for(helper_phone, helps_me)
        seen = (await helper_phone.get("/api/v1/dashboard")).json()["items"]
        assert [i["id"] for i in seen] == [mine.json()["id"]]
        assert (await act_for(helper_phone, for_grantor)).status_code == 404
        assert me["id"] != (await helper_phone.get("/api/v1/acting-for")).json()["delegation"]["id"]


async def test_another_persons_cookie_on_a_shared_phone_is_dropped_not_used(
    client: Client,
    grantor: dict[str, Any],
    delegate: tuple[Client, dict[str, Any]],
    make_client: Any,
) -> None:
    del grantor
    phone, _ = delegate
    delegation_id = await accepted(client, phone)
    async with make_client() as shared:
        await enrol_citizen(shared, national_id=thai_id(1704), full_name="คนอื่น ยืมเครื่อง")
        shared.cookies.set("portal_acting_for", str(delegation_id))
        answer = await shared.get("/api/v1/dashboard")
        assert answer.status_code == 200
        assert answer.json()["items"] == []  # their own (empty) dashboard, not the grantor's
        assert "portal_acting_for=;" in answer.headers["set-cookie"]
        assert (await act_for(shared, delegation_id)).status_code == 404


async def test_invitations_are_single_use_within_a_year_and_never_ones_own(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    del grantor
    phone, _ = delegate
    invited = await invite(client)
    own = await client.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited["invitation"]},
        headers=csrf(client),
    )
    assert (own.status_code, own.json()["code"]) == (409, "own_invitation")
    await accepted_after(client, phone, invited)
    again = await phone.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited["invitation"]},
        headers=csrf(phone),
    )
    assert (again.status_code, again.json()["code"]) == (404, "invitation_invalid")

    too_long = (today() + dt.timedelta(days=400)).isoformat()
    for bad in [
        {"valid_until": too_long},
        {"valid_until": "2020-01-01"},
        {"services": ["no-such-service"]},
    ]:
        response = await client.post("/api/v1/delegations", json=terms(**bad), headers=csrf(client))
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["code"] == "validation_failed"
    unknown_power = await client.post(
        "/api/v1/delegations", json=terms(powers=["everything"]), headers=csrf(client)
    )
    assert unknown_power.status_code == 400

    late = await invite(client)
    await Delegation.update(
        {Delegation.invitation_expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(Delegation.id == late["delegation"]["id"])
    expired = await phone.post(
        "/api/v1/delegations/accept", json={"invitation": late["invitation"]}, headers=csrf(phone)
    )
    assert expired.status_code == 404


async def test_a_service_that_needs_verified_identity_needs_both_people_verified(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    phone, me = delegate
    await Service.update({Service.required_assurance: "verified_in_person"}).where(
        Service.slug == HEALTH
    )
    refused = await client.post("/api/v1/delegations", json=terms(), headers=csrf(client))
    assert (refused.status_code, refused.json()["code"]) == (409, "verification_needed")
    await Account.update({Account.assurance: "verified_digital_id"}).where(
        Account.id == grantor["id"]
    )
    invited = await invite(client)
    not_yet = await phone.post(
        "/api/v1/delegations/accept",
        json={"invitation": invited["invitation"]},
        headers=csrf(phone),
    )
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "verification_needed")
    await Account.update({Account.assurance: "verified_in_person"}).where(Account.id == me["id"])
    await accepted_after(client, phone, invited)


async def test_at_a_kiosk_both_people_in_person_make_it(
    kiosk: KioskSetup, make_client: Any
) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=thai_id(1705), full_name="ลูกชาย มีโทรศัพท์")
        grantor_id = thai_id(1706)
        started = await start(
            kiosk.client, grantor_id, id_card_checked=True, full_name="ตาสมบัติ ไม่มีโทรศัพท์"
        )
        assert started.status_code == 201, started.text
        assert (await consent_in_person(kiosk.client)).status_code == 200
        body = {**terms(), "delegate_national_id": thai_id(1705)}
        path = "/api/v1/kiosk/assisted-sessions/current/delegations"

        unchecked = await kiosk.client.post(path, json=body, headers=csrf(kiosk.client))
        assert unchecked.status_code == 422  # the delegate's card must be seen too
        assert "ทั้งสองคน" in unchecked.json()["fields"]["delegate_id_card_checked"]["th"]
        body["delegate_id_card_checked"] = True
        nobody = {**body, "delegate_national_id": thai_id(1799)}
        missing = await kiosk.client.post(path, json=nobody, headers=csrf(kiosk.client))
        assert (missing.status_code, missing.json()["code"]) == (404, "delegate_not_found")
        made = await kiosk.client.post(path, json=body, headers=csrf(kiosk.client))
        assert made.status_code == 201, made.text
        assert made.json()["made_at_kiosk"] is True

        received = (await phone.get("/api/v1/delegations")).json()["received"]
        assert [(r["grantor_name"], r["state"]) for r in received] == [
            ("ตาสมบัติ ไม่มีโทรศัพท์", "active")
        ]
        assert (await act_for(phone, received[0]["id"])).status_code == 200
        told = await Notification.select(Notification.text_th)
        assert any("มอบอำนาจให้คุณ" in t["text_th"] and "บ้านไผ่" in t["text_th"] for t in told)
        entries = await AuditEntry.select().where(AuditEntry.action == "delegation.made")
        assert {e["kiosk_id"] for e in entries} == {kiosk.kiosk_id}


async def test_an_operator_without_a_kiosk_session_cannot_make_one(
    kiosk: KioskSetup, make_client: Any
) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=thai_id(1707))
        response = await kiosk.client.post(
            "/api/v1/kiosk/assisted-sessions/current/delegations",
            json={
                **terms(),
                "delegate_national_id": thai_id(1707),
                "delegate_id_card_checked": True,
            },
            headers=csrf(kiosk.client),
        )
        assert response.status_code == 409  # no assisted session for a grantor
        assert await Delegation.count() == 0


async def test_erasing_the_delegate_ends_it_and_the_export_lists_it(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    del grantor
    phone, _ = delegate
    delegation_id = await accepted(client, phone)
    exported = (await client.get("/api/v1/me/export")).json()
    assert [d["id"] for d in exported["delegations_given"]] == [delegation_id]
    erased = await phone.post(
        "/api/v1/me/erase", json={"confirm": thai_id(1702)[-4:]}, headers=csrf(phone)
    )
    assert erased.status_code == 200, erased.text
    given = (await client.get("/api/v1/delegations")).json()["given"]
    assert given[0]["state"] == "ended"
    assert given[0]["end_reason"] == "account_erased"


async def test_every_owner_route_is_closed_to_a_delegate_with_every_power(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    """Walks every signed-in route: whatever the grant, the account holder's own routes
    (and the contact details, which no power covers) answer 403 to someone acting for them,
    before any work is done."""
    phone, _ = delegate
    delegation_id = await accepted(client, phone, powers=["follow", "apply", "documents"])
    await act_for(phone, delegation_id)
    walked = 0
    for method, path, handler in signed_in_routes(phone):
        if handler.opt["need"] not in ("owner", "profile") or method == "HEAD":
            continue
        response = await call(phone, method, path)
        assert (response.status_code, response.json()["code"]) == (403, "outside_consent"), (
            method,
            path,
        )
        walked += 1
    assert walked >= 10
    assert await Account.select(Account.phone).where(Account.id == grantor["id"]) == [
        {"phone": "0812345678"}
    ]
    assert await Delegation.count() == 1  # not ended, nor another made, by the walk


async def test_a_receipt_of_another_service_is_not_found_for_a_delegate(
    client: Client, grantor: dict[str, Any], delegate: tuple[Client, dict[str, Any]]
) -> None:
    del grantor
    phone, _ = delegate
    other = await apply(client, {}, service=OTHER, submit=False)
    mine = await apply(client, service=HEALTH)
    delegation_id = await accepted(client, phone)
    await act_for(phone, delegation_id)
    assert (await phone.get(f"/receipt/{other.json()['id']}")).status_code == 404
    assert (await phone.get(f"/receipt/{mine.json()['id']}")).status_code == 200
