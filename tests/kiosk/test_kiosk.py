"""Kiosks: registered devices, assisted sessions with consent, audit, ending cleanly.

The rule under test: an operator acts only inside an active assisted session with recorded
consent, only for that citizen, only from the registered kiosk — each tried the wrong way."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account, Passkey
from backend.applications.tables import Application
from backend.kiosk.tables import AssistedSession
from backend.lib.i18n import BANGKOK
from backend.system.tables import AuditEntry
from tests.support.applications import (
    HEALTH_ANSWERS,
    OFFICER,
    agency_id,
    apply,
    id_card_answers,
    set_status,
)
from tests.support.authenticator import SoftAuthenticator
from tests.support.files import pdf
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, thai_id
from tests.support.kiosk import (
    KioskSetup,
    activate,
    consent_in_person,
    consent_with_passkey,
    register_kiosk,
    start,
)

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]

FINISH = "/api/v1/kiosk/assisted-sessions/current/finish"
SCOPE = ["browse", "apply", "documents", "answer", "status"]
"""What a citizen allows the operator to do in one visit (issue 8, point 3)."""


async def citizen_id(national_id: str) -> int:
    row = await Account.select(Account.id).where(held_by(national_id)).first()
    assert row is not None
    return int(row["id"])


async def idle() -> None:
    """Backdate the open assisted session's last activity: nobody touched the kiosk for just
    over 3 minutes."""
    await AssistedSession.update(
        {
            AssistedSession.last_activity_at: dt.datetime.now(dt.UTC)
            - dt.timedelta(minutes=3, seconds=5)
        }
    ).where(AssistedSession.ended_at.is_null())


async def ended_entries(citizen: int) -> list[dict[str, Any]]:
    """The `assisted.ended` entries in the citizen's log: by whom, at which kiosk, why."""
    rows = await AuditEntry.select().where(
        (AuditEntry.action == "assisted.ended") & (AuditEntry.subject_account_id == citizen)
    )
    return [
        {
            "actor": r["actor_account_id"],
            "role": r["actor_role"],
            "kiosk": r["kiosk_id"],
            "reason": json.loads(r["detail"])["reason"],
        }
        for r in rows
    ]


async def upload(client: Client) -> Any:
    """A PDF into the wallet of whoever `client` acts for."""
    return await client.post(
        "/api/v1/documents",
        params={"document_type": "house_registration"},
        content=pdf("ทะเบียนบ้าน"),
        headers={**csrf(client), "idempotency-key": uuid.uuid4().hex},
    )


async def citizen_with_papers(
    phone: Client, national_id: str, key: SoftAuthenticator | None = None
) -> tuple[int, int]:
    """A citizen signed in on their phone (with passkey `key`) with a submitted application
    and a document: their ids."""
    await enrol_citizen(phone, key, national_id=national_id)
    app = await apply(phone, {**HEALTH_ANSWERS, "national_id": national_id})
    document = await upload(phone)
    assert (app.status_code, document.status_code) == (201, 201)
    return int(app.json()["id"]), int(document.json()["id"])


async def assert_consent_stored(national_id: str, method: str, since: dt.datetime) -> None:
    """The consent is kept with its method, time and scope, and audited the same way."""
    row = (
        await AssistedSession.select(
            AssistedSession.id,
            AssistedSession.consent_method,
            AssistedSession.consent_at,
            AssistedSession.consent_scope,
        )
        .where(AssistedSession.citizen == await citizen_id(national_id))
        .first()
    )
    assert row is not None
    assert row["consent_method"] == method
    assert since <= row["consent_at"] <= dt.datetime.now(dt.UTC)
    assert json.loads(row["consent_scope"]) == SCOPE
    entry = (
        await AuditEntry.select(AuditEntry.detail)
        .where((AuditEntry.action == "assisted.consent") & (AuditEntry.object_id == str(row["id"])))
        .first()
    )
    assert entry is not None
    detail = json.loads(entry["detail"])
    assert (detail["method"], detail["scope"]) == (method, SCOPE)


async def test_activation_code_is_single_use_and_marks_the_device(
    admin: Client, make_client: Any
) -> None:
    registered = await register_kiosk(admin)
    assert registered["qr_svg"].startswith("<svg")
    async with make_client() as browser, make_client() as other:
        assert (await browser.get("/api/v1/kiosk/device")).status_code == 404
        response = await activate(browser, registered["code"])
        assert response.status_code == 200
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("portal_kiosk=")
        )
        assert "HttpOnly" in cookie
        device = await browser.get("/api/v1/kiosk/device")
        assert device.json()["name"] == "ที่ว่าการอำเภอบ้านไผ่"
        again = await activate(other, registered["code"])
        assert again.status_code == 400
        assert again.json()["code"] == "code_invalid"


async def test_operator_away_from_a_kiosk_cannot_start(make_client: Any) -> None:
    async with make_client() as laptop:
        await enrol_staff(laptop, "operator")
        response = await start(laptop, thai_id(1), id_card_checked=True, full_name="ทดสอบ ระบบ")
    assert response.status_code == 403
    assert response.json()["code"] == "kiosk_required"


async def test_other_roles_at_a_kiosk_are_refused(admin: Client, make_client: Any) -> None:
    registered = await register_kiosk(admin)
    async with make_client() as browser:
        await activate(browser, registered["code"])
        await enrol_staff(browser, "officer", agency="DOPA")
        response = await start(browser, thai_id(2), id_card_checked=True, full_name="ก ข")
    assert response.status_code == 403


async def test_citizen_without_phone_is_enrolled_verified_in_person(kiosk: KioskSetup) -> None:
    national_id = thai_id(3)
    response = await start(
        kiosk.client, national_id, id_card_checked=True, full_name="ยายมา ไม่มีโทรศัพท์"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["citizen"]["assurance"] == "verified_in_person"
    assert body["citizen"]["has_passkey"] is False
    assert national_id not in str(body)  # only a masked ID is shown on the shared screen
    assert body["citizen"]["national_id_masked"].endswith(
        national_id[-3:-1] + "-" + national_id[-1]
    )
    account = await Account.select().where(held_by(national_id)).first()
    assert account is not None and account["assurance"] == "verified_in_person"
    assert await Passkey.count().where(Passkey.account == account["id"]) == 0


async def test_unknown_citizen_without_id_check_is_not_enrolled(kiosk: KioskSetup) -> None:
    response = await start(kiosk.client, thai_id(4), full_name="ไม่ได้ ตรวจบัตร")
    assert response.status_code == 404
    assert await Account.count().where(Account.role == "citizen") == 0


async def test_no_action_before_consent_then_acting_for_that_citizen_only(
    kiosk: KioskSetup, make_client: Any
) -> None:
    async with make_client() as somebody:  # another citizen with an application
        await enrol_citizen(somebody)
        other_app = (await apply(somebody)).json()["id"]
    national_id = thai_id(5)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="สมปอง มาขอ")
    before = await kiosk.client.get("/api/v1/dashboard")
    assert before.status_code == 403  # no consent yet
    assert (await apply(kiosk.client)).status_code == 403

    asked = dt.datetime.now(dt.UTC)
    consent = await consent_in_person(kiosk.client)
    assert consent.status_code == 200
    assert consent.json()["consent_method"] == "in_person_id_check"
    await assert_consent_stored(national_id, "in_person_id_check", asked)

    response = await apply(kiosk.client, {**HEALTH_ANSWERS, "national_id": national_id})
    assert response.status_code == 201, response.text
    app_id = response.json()["id"]
    dashboard = (await kiosk.client.get("/api/v1/dashboard")).json()
    assert [i["id"] for i in dashboard["items"]] == [app_id]
    assert (await kiosk.client.get(f"/api/v1/applications/{other_app}")).status_code == 404
    citizen = await Account.select(Account.id).where(held_by(national_id)).first()
    assert citizen is not None
    row = (
        await Application.select(Application.account, Application.submitted_by)
        .where(Application.id == app_id)
        .first()
    )
    assert row == {"account": citizen["id"], "submitted_by": kiosk.operator_id}


async def test_every_action_is_recorded_as_operator_at_kiosk_for_citizen(
    kiosk: KioskSetup, make_client: Any
) -> None:
    national_id = thai_id(6)
    answers = {**HEALTH_ANSWERS, "national_id": national_id}
    authenticator = SoftAuthenticator(origin=ORIGIN)
    client = kiosk.client
    async with make_client() as phone:
        await enrol_citizen(phone, authenticator, national_id=national_id)
        await start(client, national_id, id_card_checked=True)
        await consent_with_passkey(client, authenticator)

        # A draft, saved again, then submitted.
        draft = await apply(client, {"full_name": answers["full_name"]}, submit=False)
        assert draft.status_code == 201, draft.text
        app_id = draft.json()["id"]
        saved = await client.put(
            f"/api/v1/applications/{app_id}/answers",
            json={"answers": answers},
            headers=csrf(client),
        )
        assert saved.status_code == 200, saved.text
        uploaded = await upload(client)
        assert uploaded.status_code == 201, uploaded.text
        submitted = await client.post(
            f"/api/v1/applications/{app_id}/submit",
            headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert submitted.status_code == 200, submitted.text

        # The agency asks for more; the operator shows the status and answers for the citizen.
        nhso = await agency_id("NHSO")
        await set_status(app_id, "in_review", OFFICER, agency_id=nhso)
        await set_status(app_id, "needs_info", OFFICER, agency_id=nhso, needs_fields=["new_unit"])
        status = await client.get(f"/api/v1/applications/{app_id}")
        assert status.json()["status"] == "needs_info"
        answered = await client.post(
            f"/api/v1/applications/{app_id}/answer",
            json={"answers": {"new_unit": "รพ.สต.บ้านนา"}},
            headers=csrf(client),
        )
        assert answered.status_code == 200, answered.text

        # The citizen walks away: the server ends the visit after 3 idle minutes.
        await idle()
        assert (await client.get("/api/v1/dashboard")).status_code == 403

        citizen = await citizen_id(national_id)
        entries = (
            await AuditEntry.select()
            .where(
                (AuditEntry.subject_account_id == citizen)
                & (AuditEntry.actor_account_id == kiosk.operator_id)
            )
            .order_by(AuditEntry.id)
        )
        # The ID card alone does not verify an account with a passkey: its passkey does.
        assert [(e["action"], e["object_type"]) for e in entries] == [
            ("assisted.started", "assisted_session"),
            ("assisted.consent", "assisted_session"),
            ("account.verified_in_person", "account"),
            ("application.draft_saved", "application"),
            ("application.draft_saved", "application"),
            ("document.uploaded", "document"),
            ("application.status_changed", "application"),
            ("assisted.viewed", "applications"),
            ("application.status_changed", "application"),
            ("assisted.ended", "assisted_session"),
        ]
        changes = [e for e in entries if e["action"] == "application.status_changed"]
        assert [json.loads(e["detail"])["to"] for e in changes] == ["submitted", "in_review"]
        assert json.loads(entries[-1]["detail"]) == {"reason": "timeout"}
        assert entries[7]["object_id"] == str(app_id)
        assert {e["kiosk_id"] for e in entries} == {kiosk.kiosk_id}
        assert {e["actor_role"] for e in entries} == {"operator"}

        # The citizen reads the same story in their own activity log.
        activity = (await phone.get("/api/v1/me/activity")).json()
        by_operator = [a for a in activity if a["by"] == "operator"]
        assert len(by_operator) == len(entries)
        assert {a["kiosk"] for a in by_operator} == {"ที่ว่าการอำเภอบ้านไผ่"}
        assert {a["by_name"] for a in by_operator} == {"สมศรี ผู้ให้บริการ"}
        assert {a["action"] for a in by_operator} >= {
            "application.draft_saved",
            "document.uploaded",
            "assisted.viewed",
            "assisted.ended",
        }


async def test_operator_reads_are_recorded_once_each_and_a_citizens_own_are_not(
    kiosk: KioskSetup, make_client: Any
) -> None:
    national_id = thai_id(17)
    client = kiosk.client
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        app_id, doc_id = await citizen_with_papers(phone, national_id, key)
        # The citizen on their own phone: reading writes nothing.
        before = await AuditEntry.count()
        for path in ("/api/v1/dashboard", f"/api/v1/applications/{app_id}"):
            assert (await phone.get(path)).status_code == 200
        assert await AuditEntry.count() == before

        await start(client, national_id)
        await client.get("/api/v1/dashboard")  # before consent: refused, nothing read
        await consent_with_passkey(client, key)
        reads = {
            "/api/v1/dashboard": ("dashboard", ""),
            f"/api/v1/applications/{app_id}": ("applications", str(app_id)),
            f"/api/v1/documents/{doc_id}/content": ("documents/content", str(doc_id)),
            "/api/v1/me/profile": ("me/profile", ""),
            f"/receipt/{app_id}": ("receipt", str(app_id)),
        }
        for path in reads:
            assert (await client.get(path)).status_code == 200, path
        # Not the citizen's data (the visit's own state, a ping), or nothing found: no entry.
        assert (await client.get("/api/v1/kiosk/assisted-sessions/current")).status_code == 200
        assert (await client.get("/api/v1/session")).status_code == 200
        assert (await client.get("/api/v1/applications/999999")).status_code == 404

        viewed = (
            await AuditEntry.select()
            .where(AuditEntry.action == "assisted.viewed")
            .order_by(AuditEntry.id)
        )
        assert [(v["object_type"], v["object_id"]) for v in viewed] == list(reads.values())
        assert {
            (v["subject_account_id"], v["actor_account_id"], v["actor_role"], v["kiosk_id"])
            for v in viewed
        } == {(await citizen_id(national_id), kiosk.operator_id, "operator", kiosk.kiosk_id)}

        activity = (await phone.get("/api/v1/me/activity")).json()
        shown = [a for a in activity if a["action"] == "assisted.viewed"]
        assert len(shown) == len(reads)
        assert {(a["by"], a["by_name"], a["kiosk"]) for a in shown} == {
            ("operator", "สมศรี ผู้ให้บริการ", "ที่ว่าการอำเภอบ้านไผ่")
        }


async def test_a_kiosks_browser_keeps_no_answer_in_its_http_cache(
    kiosk: KioskSetup, make_client: Any
) -> None:
    national_id = thai_id(18)
    client = kiosk.client
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        app_id, doc_id = await citizen_with_papers(phone, national_id, key)
        paths = (
            "/api/v1/dashboard",
            f"/api/v1/applications/{app_id}",
            f"/api/v1/documents/{doc_id}/content",
            "/api/v1/me/profile",
        )
        # On the citizen's own phone these may be kept (revalidated) by the browser …
        on_phone = [
            set((await phone.get(path)).headers["cache-control"].split(", ")) for path in paths
        ]
        assert on_phone == [
            {"private", "no-cache"},
            {"private", "no-cache"},
            {"private", "max-age=3600"},
            {"private", "no-cache"},
        ]
        # … at a kiosk, never: not the operator's own answers, not the citizen's.
        own = await client.get("/api/v1/me/profile")
        assert own.headers["cache-control"] == "no-store"
        await start(client, national_id)
        await consent_with_passkey(client, key)
        for path in paths:
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers.get_list("cache-control") == ["no-store"], path


async def test_consent_on_the_citizens_own_phone(kiosk: KioskSetup, make_client: Any) -> None:
    national_id = thai_id(7)
    async with make_client() as phone, make_client() as stranger:
        await enrol_citizen(phone, national_id=national_id)
        await enrol_citizen(stranger)
        await start(kiosk.client, national_id)
        shown = await kiosk.client.post(
            "/api/v1/kiosk/assisted-sessions/current/consent/phone", headers=csrf(kiosk.client)
        )
        assert shown.status_code == 201
        code = shown.json()["code"]
        assert shown.json()["url"].endswith(code)

        wrong_person = await stranger.post(
            "/api/v1/me/kiosk-consent", json={"code": code}, headers=csrf(stranger)
        )
        assert wrong_person.status_code == 400
        assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403

        asked = dt.datetime.now(dt.UTC)
        approved = await phone.post(
            "/api/v1/me/kiosk-consent", json={"code": code}, headers=csrf(phone)
        )
        assert approved.status_code == 200, approved.text
        await assert_consent_stored(national_id, "phone_approval", asked)
        state = (await kiosk.client.get("/api/v1/kiosk/assisted-sessions/current")).json()
        assert state["consent_method"] == "phone_approval"
        assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 200
        reused = await phone.post(
            "/api/v1/me/kiosk-consent", json={"code": code}, headers=csrf(phone)
        )
        assert reused.status_code == 400


async def test_consent_with_the_citizens_passkey_on_the_kiosk(
    kiosk: KioskSetup, make_client: Any
) -> None:
    national_id = thai_id(8)
    key = SoftAuthenticator(origin=ORIGIN)
    somebody_else = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone, make_client() as other:
        await enrol_citizen(phone, key, national_id=national_id)
        await enrol_citizen(other, somebody_else)
    await start(kiosk.client, national_id)
    options = await kiosk.client.post(
        "/api/v1/kiosk/assisted-sessions/current/consent/passkey/options",
        headers=csrf(kiosk.client),
    )
    assert options.status_code == 200
    wrong = somebody_else.authenticate(
        options.json()["public_key"], credential_id=somebody_else.credentials[0].credential_id
    )
    refused = await kiosk.client.post(
        "/api/v1/kiosk/assisted-sessions/current/consent/passkey",
        json={"credential": wrong},
        headers=csrf(kiosk.client),
    )
    assert refused.status_code == 401
    options = await kiosk.client.post(
        "/api/v1/kiosk/assisted-sessions/current/consent/passkey/options",
        headers=csrf(kiosk.client),
    )
    right = key.authenticate(options.json()["public_key"])
    asked = dt.datetime.now(dt.UTC)
    ok = await kiosk.client.post(
        "/api/v1/kiosk/assisted-sessions/current/consent/passkey",
        json={"credential": right},
        headers=csrf(kiosk.client),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["consent_method"] == "citizen_passkey"
    await assert_consent_stored(national_id, "citizen_passkey", asked)


async def test_finish_clears_the_device_and_ends_acting(kiosk: KioskSetup) -> None:
    await start(kiosk.client, thai_id(9), id_card_checked=True, full_name="จบ แล้ว")
    await consent_in_person(kiosk.client)
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 200
    done = await kiosk.client.post(
        "/api/v1/kiosk/assisted-sessions/current/finish", headers=csrf(kiosk.client)
    )
    assert done.status_code == 200
    assert done.headers["clear-site-data"] == '"cache", "storage"'
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403
    assert (await kiosk.client.get("/api/v1/kiosk/assisted-sessions/current")).status_code == 409
    # The operator is still signed in at the kiosk, ready for the next citizen.
    assert (await kiosk.client.get("/api/v1/session")).json()["account"]["role"] == "operator"


async def test_three_idle_minutes_end_the_assisted_session(kiosk: KioskSetup) -> None:
    national_id = thai_id(10)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="เดิน ออกไป")
    await consent_in_person(kiosk.client)
    await idle()
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403
    row = await AssistedSession.select(AssistedSession.end_reason).first()
    assert row is not None and row["end_reason"] == "timeout"
    # The page's own timer then calls finish: still one entry, the server's.
    await kiosk.client.post(FINISH, json={"reason": "timeout"}, headers=csrf(kiosk.client))
    assert await ended_entries(await citizen_id(national_id)) == [
        {
            "actor": kiosk.operator_id,
            "role": "operator",
            "kiosk": kiosk.kiosk_id,
            "reason": "timeout",
        }
    ]


async def test_the_pages_own_idle_timer_ends_the_visit_as_a_timeout(kiosk: KioskSetup) -> None:
    national_id = thai_id(19)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="หมด เวลา")
    await consent_in_person(kiosk.client)
    for wrong in ({"reason": "kiosk_revoked"}, {"reason": 3}):
        refused = await kiosk.client.post(FINISH, json=wrong, headers=csrf(kiosk.client))
        assert refused.status_code == 400
        assert set(refused.json()) >= {"code", "message"}
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 200  # still serving
    done = await kiosk.client.post(FINISH, json={"reason": "timeout"}, headers=csrf(kiosk.client))
    assert done.status_code == 200
    assert done.headers["clear-site-data"] == '"cache", "storage"'
    assert await ended_entries(await citizen_id(national_id)) == [
        {
            "actor": kiosk.operator_id,
            "role": "operator",
            "kiosk": kiosk.kiosk_id,
            "reason": "timeout",
        }
    ]
    # "Finish" pressed (no body) is recorded as finished.
    other = thai_id(20)
    await start(kiosk.client, other, id_card_checked=True, full_name="กด เสร็จ")
    await consent_in_person(kiosk.client)
    assert (await kiosk.client.post(FINISH, headers=csrf(kiosk.client))).status_code == 200
    assert [e["reason"] for e in await ended_entries(await citizen_id(other))] == ["finished"]


async def test_the_session_is_bound_to_its_kiosk(
    kiosk: KioskSetup, admin: Client, make_client: Any
) -> None:
    await start(kiosk.client, thai_id(11), id_card_checked=True, full_name="อยู่ ที่เดิม")
    await consent_in_person(kiosk.client)
    other_kiosk = await register_kiosk(admin, "ที่ว่าการอำเภออื่น")
    async with make_client() as elsewhere:
        await activate(elsewhere, other_kiosk["code"])
        # The operator's session token copied to another kiosk's browser.
        elsewhere.cookies.set("portal_session", kiosk.client.cookies["portal_session"])
        assert (await elsewhere.get("/api/v1/dashboard")).status_code == 403
    # And without any kiosk credential at all.
    async with make_client() as plain:
        plain.cookies.set("portal_session", kiosk.client.cookies["portal_session"])
        assert (await plain.get("/api/v1/dashboard")).status_code == 403


async def test_revoking_a_kiosk_stops_it(kiosk: KioskSetup, admin: Client) -> None:
    national_id = thai_id(12)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="ถูก ยกเลิก")
    await consent_in_person(kiosk.client)
    revoked = await admin.delete(f"/api/v1/admin/kiosks/{kiosk.kiosk_id}", headers=csrf(admin))
    assert revoked.status_code == 204
    # The citizen's log says the visit ended, and why.
    assert await ended_entries(await citizen_id(national_id)) == [
        {
            "actor": kiosk.operator_id,
            "role": "operator",
            "kiosk": kiosk.kiosk_id,
            "reason": "kiosk_revoked",
        }
    ]
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403
    assert (await kiosk.client.get("/api/v1/kiosk/device")).status_code == 404
    again = await start(kiosk.client, thai_id(12))
    assert again.status_code == 403


async def test_passkeys_are_never_managed_for_the_citizen(kiosk: KioskSetup) -> None:
    await start(kiosk.client, thai_id(13), id_card_checked=True, full_name="ไม่ ให้แตะ")
    await consent_in_person(kiosk.client)
    response = await kiosk.client.post("/api/v1/me/passkeys/options", headers=csrf(kiosk.client))
    assert response.status_code == 403
    assert response.json()["code"] == "outside_consent"


async def test_one_citizen_at_a_time(kiosk: KioskSetup) -> None:
    await start(kiosk.client, thai_id(14), id_card_checked=True, full_name="คน แรก")
    await consent_in_person(kiosk.client)
    await start(kiosk.client, thai_id(15), id_card_checked=True, full_name="คน ที่สอง")
    # The first citizen's consent does not carry over to the second.
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 403
    reasons = [
        r["end_reason"]
        for r in await AssistedSession.select(AssistedSession.end_reason).order_by(
            AssistedSession.id
        )
    ]
    assert reasons == ["replaced", ""]
    assert [e["reason"] for e in await ended_entries(await citizen_id(thai_id(14)))] == ["replaced"]


async def test_printable_receipt(kiosk: KioskSetup) -> None:
    national_id = thai_id(16)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="รับ ใบเสร็จ")
    await consent_in_person(kiosk.client)
    app = (await apply(kiosk.client, {**HEALTH_ANSWERS, "national_id": national_id})).json()
    receipt = await kiosk.client.get(f"/receipt/{app['id']}")
    assert receipt.status_code == 200
    assert receipt.headers["content-type"].startswith("text/html")
    page = receipt.text
    assert app["tracking_code"] in page
    assert page.count("<svg") == 2  # track QR and continue-on-your-phone QR
    assert "<script" not in page
    assert "เปลี่ยนหน่วยบริการสิทธิบัตรทอง" in page
    assert f"/track?code={app['tracking_code']}" in page
    assert "สำนักงานหลักประกันสุขภาพแห่งชาติ" in page  # the agency
    # The submission date in the Buddhist era (Bangkok time), e.g. 26 พ.ย. 2569.
    submitted = dt.datetime.fromisoformat(app["submitted_at"]).astimezone(BANGKOK)
    thai_date = page.split("วันที่ยื่น", 1)[1].split("</dd>", 1)[0]
    assert f"{submitted.day} " in thai_date
    assert str(submitted.year + 543) in thai_date
    assert "ขั้นตอนต่อไป" in page and "What happens next" in page
    assert "หน่วยงานจะพิจารณาภายในประมาณ 1 วันทำการ" in page  # the service's processing days
    assert "The agency decides in about 1 working days" in page


async def test_the_receipt_prints_the_fee_to_pay_with_its_thai_qr_code(kiosk: KioskSetup) -> None:
    national_id = thai_id(17)
    await start(kiosk.client, national_id, id_card_checked=True, full_name="จ่าย ค่าธรรมเนียม")
    await consent_in_person(kiosk.client)
    answers = {**id_card_answers(None), "national_id": national_id}
    app = (await apply(kiosk.client, answers, service="id-card-replacement")).json()
    page = (await kiosk.client.get(f"/receipt/{app['id']}")).text
    assert page.count("<svg") == 3  # the fee's code besides the two others
    fee = page.split("ค่าธรรมเนียม", 1)[1]
    assert "100.00 บาท</strong> ชำระให้ กรมการปกครอง" in fee
    assert app["tracking_code"].replace("-", "") in fee  # reference 1
    assert "<script" not in page
