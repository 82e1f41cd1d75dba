"""A request for information: the document in a field asked for again is refused in the
wallet, and the agency may give a reply-by date (a working day in the future, else 422)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.lib.workdays import BANGKOK, is_working_day
from tests.support.agency import Signer, apply_id_card, status
from tests.support.applications import upload
from tests.support.flows import csrf

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
RECEIVED = {"status": "received", "message": {"th": "รับเรื่องแล้ว", "en": "Received"}}
UNCLEAR = {"th": "ใบแจ้งความไม่ชัด", "en": "The police report is unclear"}


def _today() -> dt.date:
    return dt.datetime.now(BANGKOK).date()


def _working_day(after: int = 3) -> dt.date:
    day = _today() + dt.timedelta(days=after)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _weekend() -> dt.date:
    day = _today() + dt.timedelta(days=1)
    while day.weekday() < 5:
        day += dt.timedelta(days=1)
    return day


def _ask(reply_by: dt.date | None = None, status_: str = "needs_info") -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_, "message": UNCLEAR, "needs": ["police_report"]}
    if status_ != "needs_info":
        body["needs"] = []
    if reply_by is not None:
        body["reply_by"] = reply_by.isoformat()
    return body


async def test_the_refused_document_and_the_reply_by_date_reach_the_citizen(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client, document=True)
    first = (await client.get(f"/api/v1/applications/{app_id}")).json()["answers"]["police_report"]
    await status(client, dopa, app_id, RECEIVED)
    day = _working_day()
    response = await status(client, dopa, app_id, _ask(day))
    assert response.status_code == 200, response.text

    action = (await client.get(f"/api/v1/applications/{app_id}")).json()["action"]
    assert action["fields"] == ["police_report"]
    assert action["reply_by"] == day.isoformat()
    assert action["refused"] == [first]
    dashboard = (await client.get("/api/v1/dashboard")).json()["items"][0]
    assert dashboard["action"]["reply_by"] == day.isoformat()
    wallet = {d["id"]: d for d in (await client.get("/api/v1/documents")).json()}
    assert wallet[first]["refused_by"] == app_id

    # The reply with a new document resumes the review; the refused one stays marked.
    second = await upload(client, "police_report")
    answered = await client.post(
        f"/api/v1/applications/{app_id}/answer",
        json={"answers": {"police_report": second}, "message": "ถ่ายใหม่แล้ว"},
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answered.status_code in (200, 204), answered.text
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "in_review"
    assert detail["answers"]["police_report"] == second
    assert "action" not in detail
    wallet = {d["id"]: d for d in (await client.get("/api/v1/documents")).json()}
    assert wallet[first]["refused_by"] == app_id
    assert "refused_by" not in wallet[second]


async def test_without_a_date_nothing_is_promised(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, RECEIVED)
    body = {"status": "needs_info", "message": UNCLEAR, "needs": ["phone"]}
    assert (await status(client, dopa, app_id, body)).status_code == 200
    action = (await client.get(f"/api/v1/applications/{app_id}")).json()["action"]
    assert "reply_by" not in action and "refused" not in action


@pytest.mark.parametrize(
    ("day", "status_", "says"),
    [
        (lambda: _today(), "needs_info", "after today"),
        (lambda: _today() - dt.timedelta(days=3), "needs_info", "after today"),
        (_weekend, "needs_info", "working day"),
        (lambda: dt.date(_today().year + 1, 4, 13), "needs_info", "90 days"),  # Songkran
        (lambda: _working_day(), "rejected", "Only a needs_info"),
    ],
)
async def test_a_reply_by_date_that_cannot_be_is_422_and_changes_nothing(
    client: Client, dopa: Signer, day: Any, status_: str, says: str
) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, RECEIVED)
    response = await status(client, dopa, app_id, _ask(day(), status_))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    assert says in body["fields"]["reply_by"]["en"]
    assert body["fields"]["reply_by"]["th"]
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "received"


async def test_a_public_holiday_on_a_weekday_is_not_a_working_day(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, RECEIVED)
    days = (_today() + dt.timedelta(days=n) for n in range(1, 91))
    holiday = next(d for d in days if d.weekday() < 5 and not is_working_day(d))
    response = await status(client, dopa, app_id, _ask(holiday))
    assert response.status_code == 422, holiday
    assert "working day" in response.json()["fields"]["reply_by"]["en"]


async def test_another_agency_cannot_ask_for_information(
    client: Client, dopa: Signer, nhso: Signer
) -> None:
    app_id = await apply_id_card(client, document=True)
    response = await status(client, nhso, app_id, _ask(_working_day()))
    assert response.status_code == 404
    wallet = (await client.get("/api/v1/documents")).json()
    assert all("refused_by" not in d for d in wallet)


async def test_the_reply_answers_what_was_asked_and_not_with_the_refused_document(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client, document=True)
    first = (await client.get(f"/api/v1/applications/{app_id}")).json()["answers"]["police_report"]
    await status(client, dopa, app_id, RECEIVED)
    await status(client, dopa, app_id, _ask(_working_day()))

    async def reply(answers: dict[str, Any]) -> Any:
        return await client.post(
            f"/api/v1/applications/{app_id}/answer",
            json={"answers": answers, "message": "ส่งแล้ว"},
            headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
        )

    empty = await reply({})
    assert empty.status_code == 422
    assert empty.json()["fields"]["police_report"]["th"] == "หน่วยงานขอข้อมูลช่องนี้"
    same = await reply({"police_report": first})
    assert same.status_code == 422
    assert "unclear" in same.json()["fields"]["police_report"]["en"]
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "needs_info"
