"""Each undecided application says by when the agency promised to decide (issue 20, point
2): the service's processing time in government working days after submission."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.lib.workdays import expected_by
from tests.support.applications import OFFICER, agency_id, apply, set_status
from tests.support.flows import enrol_citizen

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def test_the_dashboard_and_the_application_give_the_promised_date(client: Client) -> None:
    await enrol_citizen(client)
    applied = await apply(client)  # change-health-unit: 1 working day
    assert applied.status_code == 201, applied.text
    detail = applied.json()
    submitted = dt.datetime.fromisoformat(detail["submitted_at"])
    promised = expected_by(submitted, 1)
    assert promised is not None and promised > submitted.date() - dt.timedelta(days=1)
    assert detail["expected_by"] == promised.isoformat()
    [card] = (await client.get("/api/v1/dashboard")).json()["items"]
    assert card["expected_by"] == promised.isoformat()

    draft = await apply(client, {}, service="elderly-allowance", submit=False)
    assert "expected_by" not in draft.json()  # nothing promised before submission

    nhso = await agency_id("NHSO")
    for status in ("received", "in_review", "approved"):
        await set_status(detail["id"], status, OFFICER, agency_id=nhso)
    decided = (await client.get(f"/api/v1/applications/{detail['id']}")).json()
    assert "expected_by" not in decided  # decided: the promise is kept or not, no longer due
    cards = (await client.get("/api/v1/dashboard")).json()["items"]
    assert all("expected_by" not in c for c in cards)
