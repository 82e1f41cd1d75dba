"""The wallet screen's data: where each document went and whether an agency refused it; a
document an application awaiting the agency uses cannot leave the wallet; nobody else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.agency import Signer, apply_id_card, dopa, status
from tests.support.flows import csrf, enrol_citizen, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
__all__ = ["dopa"]  # the fixture, used here


def _uses(wallet: list[dict[str, Any]], document_id: int) -> list[dict[str, Any]]:
    return next(d for d in wallet if d["id"] == document_id)["uses"]


async def test_uses_pending_and_refusal(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client, national_id=thai_id(501))
    app_id = await apply_id_card(client, document=True)
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    doc = detail["answers"]["police_report"]

    wallet = (await client.get("/api/v1/documents", params={"uses": "true"})).json()
    [use] = _uses(wallet, doc)
    assert use["application"] == app_id
    assert use["tracking_code"] == detail["tracking_code"]
    assert use["service"]["en"] == detail["service"]["name"]["en"]
    assert use["pending"] is True
    assert "uses" not in (await client.get("/api/v1/documents")).json()[0]

    refused = await client.delete(f"/api/v1/documents/{doc}", headers=csrf(client))
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "document_in_use"
    assert detail["tracking_code"] in body["message"]
    assert detail["tracking_code"] in body["message_th"]

    # The agency says it is unclear: refused, no longer holding the application up.
    await status(client, dopa, app_id, {"status": "received"})
    asked = {"status": "needs_info", "message": {"th": "ไม่ชัด"}, "needs": ["police_report"]}
    assert (await status(client, dopa, app_id, asked)).status_code == 200
    wallet = (await client.get("/api/v1/documents", params={"uses": "true"})).json()
    entry = next(d for d in wallet if d["id"] == doc)
    assert entry["refused_by"] == app_id
    assert "pending" not in entry["uses"][0]  # False, left out
    gone = await client.delete(f"/api/v1/documents/{doc}", headers=csrf(client))
    assert gone.status_code == 204, gone.text
    assert doc not in [d["id"] for d in (await client.get("/api/v1/documents")).json()]
    # The agency still reads what was sent.
    assert (await client.get(f"/api/v1/applications/{app_id}")).json()["answers"][
        "police_report"
    ] == doc


async def test_a_decided_application_lets_its_document_go(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client, national_id=thai_id(502))
    app_id = await apply_id_card(client, document=True)
    doc = (await client.get(f"/api/v1/applications/{app_id}")).json()["answers"]["police_report"]
    await status(client, dopa, app_id, {"status": "received"})
    await status(client, dopa, app_id, {"status": "rejected", "message": {"en": "Duplicate"}})
    wallet = (await client.get("/api/v1/documents", params={"uses": "true"})).json()
    assert "pending" not in _uses(wallet, doc)[0]
    gone = await client.delete(f"/api/v1/documents/{doc}", headers=csrf(client))
    assert gone.status_code == 204


async def test_another_citizen_neither_sees_nor_deletes(
    client: Client, make_client: Callable[[], Client]
) -> None:
    await enrol_citizen(client, national_id=thai_id(503))
    app_id = await apply_id_card(client, document=True)
    doc = (await client.get(f"/api/v1/applications/{app_id}")).json()["answers"]["police_report"]
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(504))
        assert (await other.get("/api/v1/documents", params={"uses": "true"})).json() == []
        assert (await other.get(f"/api/v1/documents/{doc}")).status_code == 404
        assert (await other.get(f"/api/v1/documents/{doc}/content")).status_code == 404
        gone = await other.delete(f"/api/v1/documents/{doc}", headers=csrf(other))
        assert gone.status_code == 404
        assert gone.json()["code"] == "document_not_found"
    wallet = (await client.get("/api/v1/documents", params={"uses": "true"})).json()
    assert _uses(wallet, doc)[0]["pending"] is True
