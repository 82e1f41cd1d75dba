"""Agency API fixtures: credentials for two agencies, citizens with applications."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.credentials import create_credential
from backend.settings import Settings
from backend.system.audit import Actor
from tests.applications.test_attachments import PDF, id_card_answers, upload
from tests.support.agency import Signer
from tests.support.flows import csrf, enrol_citizen, thai_id

Client = AsyncTestClient[Any]
ADMIN = Actor(account_id=None, role="test")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The webhook receiver in these tests listens on 127.0.0.1.
    return msgspec_replace(settings, agency_webhook_allow_private=True)


def msgspec_replace(settings: Settings, **changes: Any) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, **changes)


async def signer_for(agency: str, settings: Settings) -> Signer:
    new = await create_credential(ADMIN, agency, "test", settings=settings)
    return Signer(new.key_id, new.secret)


@pytest.fixture
async def dopa(db: Any, settings: Settings) -> Signer:
    """DOPA's system."""
    return await signer_for("DOPA", settings)


@pytest.fixture
async def nhso(db: Any, settings: Settings) -> Signer:
    """Another agency's system."""
    return await signer_for("NHSO", settings)


__all__ = ["PDF", "apply_id_card", "id_card_answers", "signer_for", "status", "upload"]


async def apply_id_card(client: Client, *, document: bool = False, submit: bool = True) -> int:
    """A DOPA application by the signed-in citizen of `client`; its id."""
    doc = await upload(client, "police_report") if document else None
    response = await client.post(
        "/api/v1/applications",
        json={"service": "id-card-replacement", "answers": id_card_answers(doc), "submit": submit},
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    """A signed-in citizen (the `client` fixture's cookies)."""
    return await enrol_citizen(client, national_id=thai_id(777))


async def status(
    client: Client, signer: Signer, app_id: int, body: dict[str, Any], key: str = ""
) -> Any:
    return await signer.request(
        client,
        "POST",
        f"/agency-api/v1/applications/{app_id}/status",
        json=body,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )
