"""Applying as a citizen does, and an agency moving an application on: builders the test
packages share."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications import services
from backend.applications.services import changes
from backend.applications.status import Status
from backend.catalog.tables import Agency
from backend.lib.db import write_transaction
from backend.system import counters
from backend.system.audit import Actor
from backend.system.counters import Numbered
from tests.support.flows import csrf

Client = AsyncTestClient[Any]

__all__ = [
    "HEALTH_ANSWERS",
    "OFFICER",
    "PDF",
    "agency_id",
    "apply",
    "held_agency_change",
    "id_card_answers",
    "set_status",
    "upload",
]


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


async def set_status(
    application_id: int,
    status: Status,
    actor: Actor,
    *,
    agency_id: int,
    message_th: str = "",
    message_en: str = "",
    needs_fields: list[str] | None = None,
) -> int:
    """The agency moves the application on, as its API does: lock, check, change."""
    async with write_transaction():
        app = await services.locked_for_agency(agency_id, application_id)
        return await services.change_status(
            app,
            status,
            actor,
            message_th=message_th,
            message_en=message_en,
            needs_fields=needs_fields,
        )


async def held_agency_change(
    monkeypatch: pytest.MonkeyPatch, application_id: int, status: Status
) -> tuple[asyncio.Task[int], asyncio.Event]:
    """An agency's change of the application (to `status`), started and held once it has
    locked the application, just before it takes its change number: its task, and the event
    that lets it go on."""
    locked, go = asyncio.Event(), asyncio.Event()
    real_next_value = counters.next_value_with  # what `changes` calls

    async def held_before_its_number(name: str, *writes: Numbered) -> int:
        if asyncio.current_task() is change:
            locked.set()
            await go.wait()
        return await real_next_value(name, *writes)

    monkeypatch.setattr(changes, "next_value_with", held_before_its_number)
    dopa = await agency_id("DOPA")
    change = asyncio.create_task(set_status(application_id, status, OFFICER, agency_id=dopa))
    await locked.wait()
    return change, go
