"""Status changes from an agency system: idempotent, checked, and seen by the citizen."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.controllers.common import idempotent_status_change
from backend.agency_api.schemas import StatusChange
from backend.applications.tables import StatusEvent
from backend.system.audit import Actor
from backend.system.idempotency import request_hash
from tests.support.agency import Signer, apply_id_card, status
from tests.support.applications import agency_id

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
RECEIVED = {"status": "received", "message": {"th": "รับเรื่องแล้ว", "en": "Received"}}


async def test_an_accepted_change_shows_on_the_citizen_dashboard(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client)
    response = await status(client, dopa, app_id, RECEIVED)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "received"
    dashboard = (await client.get("/api/v1/dashboard")).json()
    assert dashboard["items"][0]["status"] == "received"
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["history"][-1] == {
        "status": "received",
        "at": detail["history"][-1]["at"],
        "message": {"th": "รับเรื่องแล้ว", "en": "Received"},
        "by": "agency_api",
    }


async def test_needs_info_names_fields_and_the_citizen_sees_them(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, RECEIVED)
    response = await status(
        client,
        dopa,
        app_id,
        {"status": "needs_info", "message": {"en": "Please attach the police report"},
         "needs": ["police_report"]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["action"] == {
        "message": {
            "th": "Please attach the police report",
            "en": "Please attach the police report",
        },
        "fields": ["police_report"],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "needs_info", "message": {"en": "x"}, "needs": ["no_such_field"]}, "needs"),
        ({"status": "needs_info", "needs": ["phone"]}, "message"),
        ({"status": "rejected"}, "message"),
        ({"status": "received", "needs": ["phone"]}, "needs"),
    ],
)
async def test_incomplete_requests_are_422_naming_the_field(
    client: Client, dopa: Signer, body: dict[str, Any], field: str
) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, RECEIVED)
    response = await status(client, dopa, app_id, body)
    assert response.status_code == 422
    assert field in response.json()["fields"]


async def test_an_illegal_transition_is_409(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    response = await status(client, dopa, app_id, {"status": "completed"})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


async def test_an_unknown_status_is_400(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    response = await status(client, dopa, app_id, {"status": "draft"})
    assert response.status_code == 400


async def test_the_idempotency_key_is_required(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    response = await dopa.request(
        client, "POST", f"/agency-api/v1/applications/{app_id}/status", json=RECEIVED
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


async def test_same_key_same_body_replays_the_first_answer(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    key = uuid.uuid4().hex
    first = await status(client, dopa, app_id, RECEIVED, key)
    again = await status(client, dopa, app_id, RECEIVED, key)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await StatusEvent.count().where(StatusEvent.application == app_id) == 2


async def test_same_key_different_body_is_409(client: Client, dopa: Signer) -> None:
    app_id = await apply_id_card(client)
    key = uuid.uuid4().hex
    assert (await status(client, dopa, app_id, RECEIVED, key)).status_code == 200
    other = await status(client, dopa, app_id, {"status": "in_review"}, key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


async def test_a_key_is_the_agencys_own(client: Client, dopa: Signer, nhso: Signer) -> None:
    """Another agency reusing the key is another request (and here: not its application)."""
    app_id = await apply_id_card(client)
    key = uuid.uuid4().hex
    assert (await status(client, dopa, app_id, RECEIVED, key)).status_code == 200
    assert (await status(client, nhso, app_id, RECEIVED, key)).status_code == 404


async def test_concurrent_duplicates_make_exactly_one_change(client: Client, dopa: Signer) -> None:
    """Five copies of one request at once (the API's own code, in concurrent tasks: the
    test client would run them one after another)."""
    app_id = await apply_id_card(client)
    agency = await agency_id("DOPA")
    change = msgspec.convert(RECEIVED, StatusChange)
    # The fingerprint the endpoint computes for the same request sent by the test signer.
    path = f"/agency-api/v1/applications/{app_id}/status"
    fingerprint = request_hash("POST", path, json.dumps(RECEIVED).encode())
    key = uuid.uuid4().hex
    actor = Actor(account_id=None, role="agency_api")
    results = await asyncio.gather(
        *(
            idempotent_status_change(
                f"agency:{agency}", key, fingerprint, agency, app_id, change, actor
            )
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    answers = [r for r in results if not isinstance(r, BaseException)]
    assert len(answers) >= 1
    assert {bytes(r.content) for r in answers} == {bytes(answers[0].content)}
    # A copy that arrived while the first was still running is told to retry (409).
    for r in results:
        if isinstance(r, BaseException):
            assert getattr(r, "code", "") == "idempotency_in_progress", r
    events = await StatusEvent.select(StatusEvent.status).where(StatusEvent.application == app_id)
    assert [e["status"] for e in events] == ["submitted", "received"]
    again = await status(client, dopa, app_id, RECEIVED, key)
    assert again.headers["idempotent-replayed"] == "true"


async def test_a_status_body_nested_too_deeply_is_a_400(client: Client, dopa: Signer) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    path = "/agency-api/v1/applications/1/status"
    headers = {
        **dopa.headers("POST", path, "", deep),
        "Content-Type": "application/json",
        "Idempotency-Key": "deep-nesting-0001",
    }
    response = await client.post(path, content=deep, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_request"
