"""The officer console's API and the admin endpoints: each guarded by role, each officer
scoped to their own agency."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications.tables import Application
from backend.system.tables import AuditEntry
from tests.support.agency import Signer, apply_id_card
from tests.support.applications import PDF
from tests.support.flows import csrf, enrol_citizen, enrol_staff, thai_id

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
OFFICER = "/api/v1/officer"

OFFICER_ENDPOINTS = [
    ("GET", f"{OFFICER}/applications"),
    ("GET", f"{OFFICER}/applications/1"),
    ("POST", f"{OFFICER}/applications/1/status"),
    ("GET", f"{OFFICER}/documents/1"),
]
ADMIN_ENDPOINTS = [
    ("GET", "/api/v1/admin/agencies/DOPA/credentials"),
    ("POST", "/api/v1/admin/agencies/DOPA/credentials"),
    ("POST", "/api/v1/admin/agencies/DOPA/credentials/ak_x/rotate"),
    ("DELETE", "/api/v1/admin/agencies/DOPA/credentials/ak_x"),
    ("GET", "/api/v1/admin/agencies/DOPA/webhook"),
    ("PUT", "/api/v1/admin/agencies/DOPA/webhook"),
    ("GET", "/api/v1/admin/webhooks/dead"),
    ("POST", "/api/v1/admin/webhooks/dead/1/replay"),
]


async def call(client: Client, method: str, path: str, json: Any = None) -> Any:
    return await client.request(method, path, json=json, headers=csrf(client))


@pytest.fixture
async def officer(make_client: Any) -> Any:
    async with make_client() as client:
        await enrol_staff(client, "officer", agency="DOPA")
        yield client


@pytest.mark.parametrize(("method", "path"), OFFICER_ENDPOINTS + ADMIN_ENDPOINTS)
async def test_every_endpoint_needs_its_role(
    client: Client, make_client: Any, method: str, path: str
) -> None:
    async with make_client() as anonymous:
        assert (await call(anonymous, method, path)).status_code == 401
    assert (await call(client, method, path)).status_code == 403  # a citizen
    async with make_client() as staff:
        wrong = "admin" if path.startswith(OFFICER) else "officer"
        await enrol_staff(staff, wrong, agency="DOPA" if wrong == "officer" else None)
        assert (await call(staff, method, path)).status_code == 403


async def test_the_queue_filters_and_the_detail_is_audited(client: Client, officer: Client) -> None:
    first = await apply_id_card(client, document=True)
    second = await apply_id_card(client)
    queue = (await officer.get(f"{OFFICER}/applications")).json()
    assert [i["id"] for i in queue["items"]] == [first, second]
    assert queue["total"] == 2
    assert queue["items"][0]["age_days"] == 0
    assert queue["items"][0]["expected_by"] and "overdue" not in queue["items"][0]  # just in
    by_service = await officer.get(
        f"{OFFICER}/applications", params={"service": "house-registration-move"}
    )
    assert by_service.json()["items"] == []
    old = await officer.get(f"{OFFICER}/applications", params={"min_age_days": 3})
    assert old.json()["total"] == 0
    paged = await officer.get(f"{OFFICER}/applications", params={"limit": 1, "offset": 1})
    assert [i["id"] for i in paged.json()["items"]] == [second]

    # Each listing is audited: who looked, with which filters, which applications it showed.
    listings = (
        await AuditEntry.select(AuditEntry.actor_role, AuditEntry.object_type, AuditEntry.detail)
        .where(AuditEntry.action == "officer.queue_read")
        .order_by(AuditEntry.id)
    )
    assert [(e["actor_role"], e["object_type"]) for e in listings] == [("officer", "agency")] * 4
    details = [json.loads(e["detail"]) for e in listings]
    assert [(d["filters"], d["applications"]) for d in details] == [
        ({}, [first, second]),
        ({"service": "house-registration-move"}, []),
        ({"min_age_days": 3}, []),
        ({}, [second]),
    ]
    assert (details[3]["limit"], details[3]["offset"]) == (1, 1)

    detail = await officer.get(f"{OFFICER}/applications/{first}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["answers"]["reason"] == "lost"
    [document] = body["documents"]
    assert document["url"] == f"{OFFICER}/documents/{document['id']}"
    download = await officer.get(document["url"])
    assert download.status_code == 200 and download.content == PDF
    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.actor_role)
    assert {"action": "officer.application_read", "actor_role": "officer"} in actions
    assert {"action": "document.read", "actor_role": "officer"} in actions

    # Submitted three weeks ago: the ID card's 1-working-day promise is past (เกินกำหนด).
    await Application.update(
        {Application.submitted_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=21)}
    ).where(Application.id == first)
    late = (await officer.get(f"{OFFICER}/applications")).json()["items"][0]
    assert (late["id"], late["overdue"]) == (first, True)


async def test_an_officer_changes_status_and_requests_information(
    client: Client, officer: Client
) -> None:
    app_id = await apply_id_card(client)
    path = f"{OFFICER}/applications/{app_id}/status"
    received = await call(officer, "POST", path, {"status": "received"})
    assert received.status_code == 200, received.text
    ask = await call(
        officer, "POST", path,
        {"status": "needs_info", "message": {"th": "ขอเบอร์โทร", "en": "Phone?"},
         "needs": ["phone"]},
    )  # fmt: skip
    assert ask.status_code == 200, ask.text
    mine = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert mine["status"] == "needs_info"
    assert mine["action"]["fields"] == ["phone"]
    assert mine["history"][-1]["by"] == "officer"
    illegal = await call(officer, "POST", path, {"status": "completed"})
    assert illegal.status_code == 409
    queue = await officer.get(f"{OFFICER}/applications", params={"status": "needs_info"})
    assert [i["id"] for i in queue.json()["items"]] == [app_id]


async def test_another_agencys_application_is_not_found(client: Client, make_client: Any) -> None:
    app_id = await apply_id_card(client, document=True)
    async with make_client() as nhso_officer:
        await enrol_staff(nhso_officer, "officer", agency="NHSO")
        assert (await nhso_officer.get(f"{OFFICER}/applications")).json()["items"] == []
        assert (await nhso_officer.get(f"{OFFICER}/applications/{app_id}")).status_code == 404
        path = f"{OFFICER}/applications/{app_id}/status"
        changed = await call(nhso_officer, "POST", path, {"status": "received"})
        assert changed.status_code == 404
    async with make_client() as dopa_officer:
        await enrol_staff(dopa_officer, "officer", agency="DOPA")
        detail = (await dopa_officer.get(f"{OFFICER}/applications/{app_id}")).json()
        url = detail["documents"][0]["url"]
    async with make_client() as nhso_officer:
        await enrol_staff(nhso_officer, "officer", agency="NHSO")
        assert (await nhso_officer.get(url)).status_code == 404


async def test_a_draft_is_not_the_agencys_business(client: Client, officer: Client) -> None:
    draft = await apply_id_card(client, submit=False)
    assert (await officer.get(f"{OFFICER}/applications/{draft}")).status_code == 404
    assert (await officer.get(f"{OFFICER}/applications", params={"status": "draft"})).json()[
        "items"
    ] == []


async def test_admin_creates_lists_rotates_and_revokes_credentials(
    client: Client, make_client: Any
) -> None:
    base = "/api/v1/admin/agencies/DOPA/credentials"
    async with make_client() as admin:
        await enrol_staff(admin, "admin")
        created = await call(admin, "POST", base, {"name": "case system"})
        assert created.status_code == 201
        new = created.json()
        assert new["key_id"].startswith("ak_") and new["secret"].startswith("as_")
        assert created.headers["cache-control"] == "no-store"
        signer = Signer(new["key_id"], new["secret"])
        assert (
            await signer.request(client, "GET", "/agency-api/v1/applications")
        ).status_code == 200

        listed = (await admin.get(base)).json()
        assert listed == [
            {"key_id": new["key_id"], "name": "case system", "created_at": new["created_at"],
             "active": True}
        ]  # fmt: skip
        assert "secret" not in str(listed)

        rotated = await call(admin, "POST", f"{base}/{new['key_id']}/rotate", {"grace_hours": 0})
        assert rotated.status_code == 201
        refused = await signer.request(client, "GET", "/agency-api/v1/applications")
        assert refused.json()["code"] == "key_revoked"
        fresh = Signer(rotated.json()["key_id"], rotated.json()["secret"])
        assert (
            await fresh.request(client, "GET", "/agency-api/v1/applications")
        ).status_code == 200

        revoked = await call(admin, "DELETE", f"{base}/{fresh.key_id}")
        assert revoked.status_code == 204
        refused = await fresh.request(client, "GET", "/agency-api/v1/applications")
        assert refused.json()["code"] == "key_revoked"
        assert [c["active"] for c in (await admin.get(base)).json()] == [False, False]

        assert (
            await call(admin, "GET", "/api/v1/admin/agencies/NOPE/credentials")
        ).status_code == 404
        other = await call(
            admin, "DELETE", f"/api/v1/admin/agencies/NHSO/credentials/{new['key_id']}"
        )
        assert other.status_code == 404


async def test_admin_sets_the_webhook(make_client: Any) -> None:
    async with make_client() as admin:
        await enrol_staff(admin, "admin")
        path = "/api/v1/admin/agencies/DOPA/webhook"
        assert (await admin.get(path)).status_code == 404
        set_ = await call(admin, "PUT", path, {"url": "http://127.0.0.1:9/hook"})
        assert set_.status_code == 200, set_.text
        assert set_.json()["secret"].startswith("whsec_")
        shown = (await admin.get(path)).json()
        assert shown["url"] == "http://127.0.0.1:9/hook" and "secret" not in shown
        bad = await call(admin, "PUT", path, {"url": "gopher://x.example/"})
        assert bad.status_code == 422 and "url" in bad.json()["fields"]


async def test_an_officer_without_an_agency_is_refused(make_client: Any) -> None:
    from backend.accounts.tables import Account

    async with make_client() as orphan:
        session = await enrol_staff(orphan, "officer", agency="DOPA")
        # Invitations always name an agency; an account edited by hand may still lack one.
        await Account.update({Account.agency: None}).where(Account.id == session["account"]["id"])
        response = await orphan.get(f"{OFFICER}/applications")
        assert response.status_code == 403
        assert response.json()["code"] == "officer_without_agency"


async def test_a_second_citizen_gets_nothing_of_the_first(make_client: Any, client: Client) -> None:
    app_id = await apply_id_card(client)
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(31337))
        assert (await other.get(f"{OFFICER}/applications/{app_id}")).status_code == 403
