"""Documents once: a file field takes a document from the citizen's own wallet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.applications.conftest import apply
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def upload(client: Client, document_type: str) -> int:
    response = await client.post(
        "/api/v1/documents",
        params={"document_type": document_type, "label": "ใบแจ้งความ"},
        content=PDF,
        headers={**csrf(client), "content-type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def id_card_answers(document: int | None) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "full_name": "สมชาย ใจดี",
        "national_id": "1101700207030",
        "phone": "0812345678",
        "reason": "lost",
        "appointment_date": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
    }
    if document is not None:
        answers["police_report"] = document
    return answers


async def test_a_wallet_document_is_attached(client: Client) -> None:
    document = await upload(client, "police_report")
    response = await apply(client, id_card_answers(document), service="id-card-replacement")
    assert response.status_code == 201, response.text
    assert response.json()["answers"]["police_report"] == document
    # The same document serves a second application: given once, used again.
    again = await apply(client, id_card_answers(document), service="id-card-replacement")
    assert again.status_code == 201


async def test_wrong_type_or_someone_elses_document_is_refused(
    client: Client, make_client: Any
) -> None:
    bank_book = await upload(client, "bank_book")
    wrong_type = await apply(client, id_card_answers(bank_book), service="id-card-replacement")
    assert wrong_type.status_code == 422
    assert set(wrong_type.json()["fields"]) == {"police_report"}

    async with make_client() as other:
        await enrol_citizen(other)
        theirs = await upload(other, "police_report")
    stolen = await apply(client, id_card_answers(theirs), service="id-card-replacement")
    assert stolen.status_code == 422
    assert stolen.json()["fields"]["police_report"]["th"]


async def test_a_deleted_document_cannot_be_attached(client: Client) -> None:
    document = await upload(client, "police_report")
    await client.delete(f"/api/v1/documents/{document}", headers=csrf(client))
    response = await apply(client, id_card_answers(document), service="id-card-replacement")
    assert response.status_code == 422
