"""The officer console's view of performance: my agency's figures and its overdue
applications, behind the officer's sign-in; nobody else sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.performance import officer, services
from backend.system.tables import AuditEntry
from tests.performance.history import NOW, build_history
from tests.support.flows import enrol_citizen, enrol_staff, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
PATH = "/api/v1/officer/performance"


async def test_an_officer_sees_their_agency_and_its_overdue_applications(
    make_client: Any,
) -> None:
    groups = await build_history()
    await services.refresh(NOW)
    async with make_client() as dopa, make_client() as nhso:
        await enrol_staff(dopa, "officer", agency="DOPA")
        await enrol_staff(nhso, "officer", agency="NHSO")
        answer = await dopa.get(PATH)
        assert answer.status_code == 200, answer.text
        assert "private" in answer.headers["cache-control"]
        body = answer.json()
        assert body["agency"]["code"] == "DOPA"
        public = (await dopa.get("/api/v1/performance", params={"agency": "DOPA"})).json()
        assert body["agency"] == public["agencies"][0]  # the same figures as the public page

        # The figures come from the snapshot, the overdue list from now (after NOW, when the
        # ID cards are overdue too); as of NOW exactly: the 11 of November and the one of
        # October still in review, not the withdrawn, the decided or the ID cards due today.
        late = body["overdue"]
        mine = await officer.overdue(await _dopa_id(), NOW)
        assert sorted(o.id for o in mine) == sorted(groups["november"] + [groups["october"][10]])
        assert mine[0].id == groups["october"][10]  # longest overdue first
        assert mine[0].days_overdue == 42 and mine[0].status == "in_review"
        assert {o["id"] for o in late} >= {o.id for o in mine}
        assert body["overdue_total"] == len(late)
        assert set(late[0]) == {
            "id",
            "tracking_code",
            "service",
            "service_name",
            "status",
            "submitted_at",
            "due_at",
            "days_overdue",
        }
        audit = await AuditEntry.select().where(AuditEntry.action == "officer.overdue_read")
        assert len(audit) == 1
        assert json.loads(audit[0]["detail"])["applications"] == [o["id"] for o in late]

        # Another agency's officer: their own (empty) agency, none of DOPA's applications.
        other = (await nhso.get(PATH)).json()
        assert other["agency"]["code"] == "NHSO"
        assert other["overdue"] == [] and other["overdue_total"] == 0
        assert "TEST-" not in json.dumps(other)


async def _dopa_id() -> int:
    from backend.catalog.tables import Agency

    row = await Agency.select(Agency.id).where(Agency.code == "DOPA").first()
    assert row is not None
    return int(row["id"])


async def test_only_officers_get_it(client: Client, make_client: Any) -> None:
    await build_history()
    await services.refresh(NOW)
    async with make_client() as anonymous:
        answer = await anonymous.get(PATH)
        assert answer.status_code == 401 and set(answer.json()) >= {"code", "message"}
    await enrol_citizen(client, national_id=thai_id(4242))
    forbidden = await client.get(PATH)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    for role, agency in [("operator", None), ("admin", None)]:
        async with make_client() as staff:
            await enrol_staff(staff, role, agency=agency)
            assert (await staff.get(PATH)).status_code == 403


async def test_before_the_first_refresh_the_overdue_list_still_works(make_client: Any) -> None:
    groups = await build_history()
    async with make_client() as dopa:
        await enrol_staff(dopa, "officer", agency="DOPA")
        body = (await dopa.get(PATH)).json()
    assert body["agency"] is None and body["computed_at"] is None
    assert groups["october"][10] in [o["id"] for o in body["overdue"]]
