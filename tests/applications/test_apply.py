"""Applying, idempotent submission, drafts, withdrawal, answering a request for information."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications.errors import ApplicationNotFoundError
from backend.applications.status import IllegalTransitionError
from backend.applications.tables import Application, StatusEvent
from backend.catalog.tables import Service
from tests.support.applications import HEALTH_ANSWERS, OFFICER, agency_id, apply, set_status
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]


async def test_submit_creates_an_application_with_a_tracking_code(client: Client) -> None:
    response = await apply(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"NHSO-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}", body["tracking_code"])
    assert body["status"] == "submitted"
    assert body["service"]["name"]["th"] == "เปลี่ยนหน่วยบริการสิทธิบัตรทอง"
    assert body["service"]["agency"] == "NHSO"
    assert body["answers"]["new_unit"] == HEALTH_ANSWERS["new_unit"]
    assert [h["status"] for h in body["history"]] == ["submitted"]
    assert body["can_withdraw"] is True
    assert await Application.count() == 1


async def test_invalid_answers_are_422_per_field_and_write_nothing(client: Client) -> None:
    response = await apply(client, {**HEALTH_ANSWERS, "phone": "12", "reason": "bored"})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"phone", "reason"}
    assert fields["phone"]["th"] and fields["phone"]["en"]
    assert await Application.count() == 0
    assert await StatusEvent.count() == 0


async def test_same_key_same_body_returns_the_same_application(client: Client) -> None:
    key = uuid.uuid4().hex
    first = await apply(client, key=key)
    again = await apply(client, key=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await Application.count() == 1


async def test_same_key_different_body_is_409(client: Client) -> None:
    key = uuid.uuid4().hex
    assert (await apply(client, key=key)).status_code == 201
    other = await apply(client, {**HEALTH_ANSWERS, "reason": "work"}, key=key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert await Application.count() == 1


async def test_missing_idempotency_key_is_400(client: Client) -> None:
    response = await client.post(
        "/api/v1/applications",
        json={"service": "change-health-unit", "answers": HEALTH_ANSWERS},
        headers=csrf(client),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


async def test_concurrent_duplicates_create_exactly_one(client: Client, make_client: Any) -> None:
    key = uuid.uuid4().hex
    results = await asyncio.gather(*(apply(client, key=key) for _ in range(5)))
    statuses = sorted(r.status_code for r in results)
    assert all(s in (201, 409) for s in statuses), statuses
    ids = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(ids) == 1
    assert await Application.count() == 1


async def test_unknown_service_is_404(client: Client) -> None:
    response = await apply(client, service="no-such-thing")
    assert response.status_code == 404


async def test_draft_save_resume_submit(client: Client) -> None:
    draft = await apply(client, {"full_name": "สมชาย ใจดี"}, submit=False)
    assert draft.status_code == 201, draft.text
    app_id = draft.json()["id"]
    assert draft.json()["status"] == "draft"
    assert draft.json()["history"] == []

    # Not visible to the agency while a draft.
    with pytest.raises(ApplicationNotFoundError):
        await set_status(app_id, "received", OFFICER, agency_id=await agency_id("NHSO"))

    incomplete = await client.post(
        f"/api/v1/applications/{app_id}/submit",
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert incomplete.status_code == 422
    assert "national_id" in incomplete.json()["fields"]

    saved = await client.put(
        f"/api/v1/applications/{app_id}/answers",
        json={"answers": HEALTH_ANSWERS},
        headers=csrf(client),
    )
    assert saved.status_code == 200
    key = uuid.uuid4().hex
    submitted = await client.post(
        f"/api/v1/applications/{app_id}/submit", headers={**csrf(client), "Idempotency-Key": key}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    replay = await client.post(
        f"/api/v1/applications/{app_id}/submit", headers={**csrf(client), "Idempotency-Key": key}
    )
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    edit = await client.put(
        f"/api/v1/applications/{app_id}/answers",
        json={"answers": HEALTH_ANSWERS},
        headers=csrf(client),
    )
    assert edit.status_code == 409
    assert edit.json()["code"] == "not_a_draft"


async def test_discard_a_draft(client: Client) -> None:
    app_id = (await apply(client, {}, submit=False)).json()["id"]
    assert (
        await client.delete(f"/api/v1/applications/{app_id}", headers=csrf(client))
    ).status_code == 204
    assert (await client.get(f"/api/v1/applications/{app_id}")).status_code == 404


async def test_withdraw_while_allowed_only(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    nhso = await agency_id("NHSO")
    await set_status(app_id, "received", OFFICER, agency_id=nhso)
    withdrawn = await client.post(
        f"/api/v1/applications/{app_id}/withdraw",
        json={"reason": "ยื่นผิดบริการ"},
        headers=csrf(client),
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json().get("can_withdraw", False) is False  # defaults are omitted
    again = await client.post(
        f"/api/v1/applications/{app_id}/withdraw", json={}, headers=csrf(client)
    )
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    assert "ถอนคำขอแล้ว" in again.json()["message_th"]


async def test_needs_info_answer_resumes_review(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    nhso = await agency_id("NHSO")
    await set_status(app_id, "in_review", OFFICER, agency_id=nhso)
    await set_status(
        app_id,
        "needs_info",
        OFFICER,
        agency_id=nhso,
        message_th="กรุณาระบุชื่อหน่วยบริการให้ครบ",
        message_en="Give the full unit name",
        needs_fields=["new_unit"],
    )
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "needs_info"
    assert detail["action"] == {
        "message": {"th": "กรุณาระบุชื่อหน่วยบริการให้ครบ", "en": "Give the full unit name"},
        "fields": ["new_unit"],
    }
    dashboard = (await client.get("/api/v1/dashboard")).json()
    assert dashboard["items"][0]["action"]["fields"] == ["new_unit"]

    wrong = await client.post(
        f"/api/v1/applications/{app_id}/answer",
        json={"answers": {"phone": "0899999999"}},
        headers=csrf(client),
    )
    assert wrong.status_code == 422  # only the requested field may change
    answered = await client.post(
        f"/api/v1/applications/{app_id}/answer",
        json={"answers": {"new_unit": "รพ.สต.บ้านนา อำเภอเมือง"}, "message": "แก้ไขแล้วค่ะ"},
        headers=csrf(client),
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "in_review"
    assert body["answers"]["new_unit"] == "รพ.สต.บ้านนา อำเภอเมือง"
    assert body["answers"]["phone"] == HEALTH_ANSWERS["phone"]
    assert [h["status"] for h in body["history"]] == [
        "submitted",
        "in_review",
        "needs_info",
        "in_review",
    ]
    assert body["history"][-1]["by"] == "citizen"


async def test_legal_and_illegal_agency_transitions(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    nhso = await agency_id("NHSO")
    for status in ("received", "in_review", "approved", "completed"):
        await set_status(app_id, status, OFFICER, agency_id=nhso)
    for illegal in ("in_review", "rejected", "submitted", "draft", "nonsense"):
        with pytest.raises(IllegalTransitionError):
            await set_status(app_id, illegal, OFFICER, agency_id=nhso)
    history = await StatusEvent.select(StatusEvent.status).order_by(StatusEvent.id)
    assert [h["status"] for h in history] == [
        "submitted",
        "received",
        "in_review",
        "approved",
        "completed",
    ]


async def test_history_is_append_only(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    nhso = await agency_id("NHSO")
    before = await StatusEvent.select().order_by(StatusEvent.id)
    await set_status(
        app_id, "received", OFFICER, agency_id=nhso, message_th="รับเรื่องแล้ว", message_en="Received"
    )
    after = await StatusEvent.select().order_by(StatusEvent.id)
    assert after[: len(before)] == before  # earlier rows untouched
    assert len(after) == len(before) + 1
    assert after[-1]["message_th"] == "รับเรื่องแล้ว"


async def test_another_agency_cannot_move_it(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    with pytest.raises(ApplicationNotFoundError):
        await set_status(app_id, "received", OFFICER, agency_id=await agency_id("DLT"))


async def test_a_citizen_never_reaches_anothers_application(
    client: Client, make_client: Any
) -> None:
    app_id = (await apply(client)).json()["id"]
    draft_id = (await apply(client, {}, submit=False)).json()["id"]
    async with make_client() as stranger:
        await enrol_citizen(stranger)
        h = csrf(stranger)
        responses = [
            await stranger.get(f"/api/v1/applications/{app_id}"),
            await stranger.put(
                f"/api/v1/applications/{draft_id}/answers", json={"answers": {}}, headers=h
            ),
            await stranger.post(f"/api/v1/applications/{app_id}/withdraw", json={}, headers=h),
            await stranger.post(f"/api/v1/applications/{app_id}/answer", json={}, headers=h),
            await stranger.delete(f"/api/v1/applications/{draft_id}", headers=h),
            await stranger.post(
                f"/api/v1/applications/{draft_id}/submit",
                headers={**h, "Idempotency-Key": uuid.uuid4().hex},
            ),
        ]
        assert [r.status_code for r in responses] == [404] * 6
        assert (await stranger.get("/api/v1/dashboard")).json()["items"] == []
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "submitted"


async def test_services_needing_in_person_assurance_refuse_self_asserted(client: Client) -> None:
    await Service.update({Service.required_assurance: "verified_in_person"}).where(
        Service.slug == "change-health-unit"
    )
    response = await apply(client)
    assert response.status_code == 403
    assert response.json()["code"] == "assurance_required"
    assert "ที่ว่าการอำเภอ" in response.json()["message_th"]


async def test_staff_cannot_use_the_citizen_api(client: Client, make_client: Any) -> None:
    from tests.support.flows import enrol_staff

    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="NHSO")
        assert (await officer.get("/api/v1/dashboard")).status_code == 403
        assert (await apply(officer)).status_code == 403


async def test_personal_answers_are_private(client: Client) -> None:
    # Never kept by a shared cache, nor by the PWA's service worker (it skips `private`).
    created = (await apply(client)).json()
    for path in (f"/api/v1/applications/{created['id']}", "/api/v1/me/passkeys"):
        response = await client.get(path)
        assert response.status_code == 200
        directives = {d.strip() for d in response.headers["cache-control"].split(",")}
        assert directives == {"private", "no-cache"}, path


async def test_profile_prefill(client: Client) -> None:
    profile = (await client.get("/api/v1/me/profile")).json()
    assert profile["full_name"] == "สมชาย ใจดี"
    assert len(profile["national_id"]) == 13
    updated = await client.patch(
        "/api/v1/me/profile",
        json={"address": "12 หมู่ 3 ต.บ้านนา", "phone": "0898765432"},
        headers=csrf(client),
    )
    assert updated.status_code == 200
    assert updated.json()["address"] == "12 หมู่ 3 ต.บ้านนา"
    bad = await client.patch("/api/v1/me/profile", json={"phone": "abc"}, headers=csrf(client))
    assert bad.status_code == 422
