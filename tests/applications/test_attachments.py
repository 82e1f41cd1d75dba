"""Documents once: a file field takes a document from the citizen's own wallet."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.applications import apply, id_card_answers, upload
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]


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
