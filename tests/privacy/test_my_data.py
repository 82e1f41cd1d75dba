"""PDPA rights: a citizen downloads everything the portal holds about them, and erases their
account — what is theirs goes, what the state must keep stays, nothing half-done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account, Passkey, Session
from backend.applications.tables import Application
from backend.documents.tables import Document, Upload
from backend.system.tables import AuditEntry
from tests.support.applications import (
    OFFICER,
    agency_id,
    apply,
    id_card_answers,
    set_status,
    upload,
)
from tests.support.flows import csrf, enrol_citizen, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
NATIONAL_ID = thai_id(4242)


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    return await enrol_citizen(client, national_id=NATIONAL_ID)


async def _erase(client: Client, confirm: str) -> Any:
    return await client.post("/api/v1/me/erase", json={"confirm": confirm}, headers=csrf(client))


def _stored_files(var_dir: Path) -> list[Path]:
    if not (var_dir / "documents").exists():
        return []
    return [p for p in (var_dir / "documents").rglob("*") if p.is_file()]


@pytest.mark.usefixtures("citizen")
async def test_export_holds_everything_about_me_and_only_me(
    client: Client, make_client: Any
) -> None:
    document = await upload(client, "police_report")
    applied = await apply(client, id_card_answers(document), service="id-card-replacement")
    assert applied.status_code == 201, applied.text
    started = await client.post(
        "/api/v1/documents/uploads",
        params={"document_type": "house_registration", "label": "สำเนาทะเบียนบ้าน"},
        headers={**csrf(client), "Idempotency-Key": "half-sent", "Upload-Length": "4096"},
    )
    assert started.status_code == 201, started.text
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(7), full_name="สมหญิง รักดี")
        await apply(other)

    response = await client.get("/api/v1/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["profile"]["national_id"] == NATIONAL_ID
    assert data["profile"]["full_name"] == "สมชาย ใจดี"
    assert [p["name"] for p in data["passkeys"]] == ["โทรศัพท์"]
    assert len(data["sessions"]) == 1
    [application] = data["applications"]
    assert application["tracking_code"] == applied.json()["tracking_code"]
    assert application["service"] == "id-card-replacement"
    assert application["answers"]["police_report"] == document
    assert [h["status"] for h in application["history"]] == ["submitted"]
    [wallet] = data["documents"]
    assert wallet["download"] == f"/api/v1/documents/{document}/content"
    [unfinished] = data["unfinished_uploads"]
    assert (unfinished["label"], unfinished["length"], unfinished["received"]) == (
        "สำเนาทะเบียนบ้าน",
        4096,
        0,
    )
    assert {e["action"] for e in data["activity"]} >= {"account.enrolled", "document.uploaded"}
    assert "สมหญิง" not in response.text  # nothing of the other citizen
    assert await AuditEntry.exists().where(AuditEntry.action == "data.exported")


async def test_export_and_erasure_need_the_account_holder(client: Client) -> None:
    assert (await client.get("/api/v1/me/export")).status_code == 401
    assert (await _erase(client, "1234")).status_code == 401


@pytest.mark.usefixtures("citizen")
async def test_erasure_needs_the_id_number_confirmation(client: Client) -> None:
    response = await _erase(client, "0000" if NATIONAL_ID[-4:] != "0000" else "1111")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert "4" in body["fields"]["confirm"]["th"]
    assert await Account.exists().where(held_by(NATIONAL_ID))
    assert (await client.get("/api/v1/dashboard")).status_code == 200  # still signed in


@pytest.mark.usefixtures("citizen")
async def test_a_wrong_confirmation_in_thai_digits_is_a_422_and_right_ones_erase(
    client: Client,
) -> None:
    """A Thai keyboard types Thai digits: a wrong number is told as such (it was a 500), and the
    right last four digits in Thai confirm like Arabic ones."""
    thai = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    wrong = "0000" if NATIONAL_ID[-4:] != "0000" else "1111"
    response = await _erase(client, wrong.translate(thai))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"
    assert (await _erase(client, "ก๑๒๓")).status_code == 422
    assert await Account.exists().where(held_by(NATIONAL_ID))

    response = await _erase(client, NATIONAL_ID[-4:].translate(thai))
    assert response.status_code == 200, response.text
    assert not await Account.exists().where(held_by(NATIONAL_ID))


@pytest.mark.usefixtures("citizen")
async def test_erasure_waits_while_an_application_is_being_worked_on(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    response = await _erase(client, NATIONAL_ID[-4:])
    assert response.status_code == 409
    assert response.json()["code"] == "applications_open"
    assert response.json()["message_th"]
    assert await Passkey.count() == 1  # nothing was touched

    await set_status(app_id, "rejected", OFFICER, agency_id=await agency_id("NHSO"))
    assert (await _erase(client, NATIONAL_ID[-4:])).status_code == 200


@pytest.mark.usefixtures("citizen")
async def test_erasure_removes_what_is_mine_and_keeps_the_agencies_record(
    client: Client, settings: Any, make_client: Any
) -> None:
    before = set(_stored_files(Path(settings.var_dir)))  # other tests' files share var/
    used = await upload(client, "police_report")
    unused = await upload(client, "police_report")
    applied = await apply(client, id_card_answers(used), service="id-card-replacement")
    await set_status(applied.json()["id"], "rejected", OFFICER, agency_id=await agency_id("DOPA"))
    draft = await apply(client, submit=False)
    assert draft.status_code == 201, draft.text
    mine = set(_stored_files(Path(settings.var_dir))) - before
    assert len(mine) == 2
    # Half a photo on its way: erased too, bytes and all.
    started = await client.post(
        "/api/v1/documents/uploads",
        params={"document_type": "police_report"},
        headers={**csrf(client), "idempotency-key": "half", "upload-length": "1000"},
    )
    half = await client.patch(
        f"/api/v1/documents/uploads/{started.json()['id']}",
        content=b"%PDF-1.4\n" + bytes(100),
        headers={**csrf(client), "upload-offset": "0"},
    )
    assert half.status_code == 200, half.text

    response = await _erase(client, NATIONAL_ID[-4:])
    assert response.status_code == 200, response.text
    assert response.json()["removed"] == {
        "drafts": 1,
        "documents": 1,
        "uploads": 1,
        "passkeys": 1,
        "sessions": 1,
        "devices": 0,
        "notifications": 1,
    }
    assert response.headers["clear-site-data"] == '"cache"'
    # Signed out here (and everywhere): the cookie is cleared, the session gone.
    assert (await client.get("/api/v1/dashboard")).status_code == 401
    account = await Account.select().first()
    assert account is not None
    assert not await Session.exists().where(Session.account == account["id"])
    assert (account["national_id_sealed"], account["national_id_index"]) == (None, None)
    assert account["full_name"] == ""
    assert account["phone"] == "" and account["disabled_at"] is not None
    assert await Passkey.count() == 0
    # The decided application and the document it used stay, for the agency.
    assert [d["id"] for d in await Document.select(Document.id)] == [used]
    assert len(mine & set(_stored_files(Path(settings.var_dir)))) == 1
    left = set(_stored_files(Path(settings.var_dir))) - before
    assert not [p for p in left if p.name.endswith(".part")]
    assert await Upload.count() == 0
    kept = await Application.select(Application.status, Application.answers).where(
        Application.id == applied.json()["id"]
    )
    assert kept[0]["status"] == "rejected"
    assert json.loads(kept[0]["answers"])["police_report"] == used
    drafted = await Application.select(Application.answers, Application.deleted_at).where(
        Application.id == draft.json()["id"]
    )
    assert drafted[0]["answers"] == "{}" and drafted[0]["deleted_at"] is not None
    assert unused not in {d["id"] for d in await Document.select(Document.id)}
    assert await AuditEntry.exists().where(AuditEntry.action == "account.erased")

    # The ID number is free again: the same person may enrol afresh one day.
    async with make_client() as again:
        await enrol_citizen(again, national_id=NATIONAL_ID)
