"""An officer finds an application by its tracking code or by the applicant's ID number
(through the blind index), only in their own agency, and the ID number never reaches the
audit log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications.tables import Application
from backend.system.tables import AuditEntry
from tests.support.agency import apply_id_card
from tests.support.applications import OFFICER as APP_OFFICER
from tests.support.applications import agency_id, set_status
from tests.support.flows import enrol_citizen, enrol_staff, thai_id

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
QUEUE = "/api/v1/officer/applications"
NATIONAL_ID = thai_id(777)  # the `citizen` fixture's


async def test_by_tracking_code_or_id_number_decided_ones_too(
    client: Client, make_client: Any
) -> None:
    mine = await apply_id_card(client)
    decided = await apply_id_card(client)
    await set_status(decided, "rejected", APP_OFFICER, agency_id=await agency_id("DOPA"))
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(778))
        someone_else = await apply_id_card(other)
    [code] = await Application.select(Application.tracking_code).where(Application.id == mine)
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="DOPA")
        by_code = (await officer.get(QUEUE, params={"q": code["tracking_code"].lower()})).json()
        assert [i["id"] for i in by_code["items"]] == [mine]
        typed = f"{NATIONAL_ID[0]} {NATIONAL_ID[1:5]} {NATIONAL_ID[5:10]} {NATIONAL_ID[10:]}"
        by_id = (await officer.get(QUEUE, params={"q": typed})).json()
        assert sorted(i["id"] for i in by_id["items"]) == sorted([mine, decided])
        assert someone_else not in [i["id"] for i in by_id["items"]]
        nobody = (await officer.get(QUEUE, params={"q": thai_id(779)})).json()
        assert nobody["items"] == [] and nobody["total"] == 0
        unknown = (await officer.get(QUEUE, params={"q": "DOPA-XXXX-XX"})).json()
        assert unknown["items"] == []
        too_long = await officer.get(QUEUE, params={"q": "x" * 41})
        assert too_long.status_code == 400 and too_long.json()["code"]

    logged = [
        json.loads(e["detail"])
        for e in await AuditEntry.select(AuditEntry.detail).where(
            AuditEntry.action == "officer.queue_read"
        )
    ]
    assert {d["filters"].get("search") for d in logged} >= {"national_id", code["tracking_code"]}
    assert NATIONAL_ID not in json.dumps(logged) and NATIONAL_ID[1:5] not in json.dumps(logged)


async def test_another_agencys_officer_finds_nothing(client: Client, make_client: Any) -> None:
    mine = await apply_id_card(client)
    [code] = await Application.select(Application.tracking_code).where(Application.id == mine)
    async with make_client() as nhso:
        await enrol_staff(nhso, "officer", agency="NHSO")
        for q in (code["tracking_code"], NATIONAL_ID):
            assert (await nhso.get(QUEUE, params={"q": q})).json()["items"] == []
    # A citizen cannot search at all.
    assert (await client.get(QUEUE, params={"q": NATIONAL_ID})).status_code == 403
