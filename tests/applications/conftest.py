"""Helpers for applying: a signed-in citizen and valid answers for demo services."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.catalog.tables import Agency
from backend.system.audit import Actor
from tests.support.flows import csrf, enrol_citizen, thai_id

Client = AsyncTestClient[Any]

HEALTH_ANSWERS = {
    "full_name": "สมชาย ใจดี",
    "national_id": "1101700207030",
    "phone": "0812345678",
    "new_unit": "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา",
    "reason": "moved",
}


async def apply(
    client: Client,
    answers: dict[str, Any] | None = None,
    *,
    service: str = "change-health-unit",
    key: str | None = None,
    submit: bool = True,
) -> Any:
    return await client.post(
        "/api/v1/applications",
        json={
            "service": service,
            "answers": HEALTH_ANSWERS if answers is None else answers,
            "submit": submit,
        },
        headers={**csrf(client), "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def agency_id(code: str) -> int:
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    assert row is not None
    return int(row["id"])


OFFICER = Actor(account_id=None, role="agency_api")


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    """A signed-in citizen (the `client` fixture's cookies)."""
    return await enrol_citizen(client, national_id=thai_id(4242))
