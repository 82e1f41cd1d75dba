"""A citizen's first dashboard page kept in the database (`dashboard_page`,
applications.services.dashboards): stored by whoever changed the applications, answered in
one statement's one row while it is current, and never once it is not (a change, a renamed
service, older code), nor to anyone but its citizen.

The test app keeps nothing in memory (no feed poller): every request here reads the database.
A kept page is told apart from one read from the rows by writing a marker into its body."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications.services import dashboards
from backend.applications.tables import DashboardPage
from backend.catalog.tables import Service
from backend.domains import registry
from backend.settings import Settings
from backend.system.housekeeping import housekeep_all
from tests.support.agency import Signer, dopa, status
from tests.support.applications import OFFICER, agency_id, apply, id_card_answers, set_status
from tests.support.flows import csrf, enrol_citizen, enrol_staff, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
__all__ = ["dopa"]  # a fixture
MARKER = b'{"items":[],"sync":0,"marker":"kept"}'


async def _kept(account_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await DashboardPage.select().where(DashboardPage.account == account_id).first()
    )
    return row


async def _mark(account_id: int) -> None:
    """The kept page's body replaced (its version and stamps left): answered, it shows."""
    await DashboardPage.update({DashboardPage.body: MARKER}).where(
        DashboardPage.account == account_id
    )


async def _first_page(client: Client) -> Any:
    return await client.get("/api/v1/dashboard?limit=20")


async def test_a_change_through_a_request_is_kept_and_then_answered(
    client: Client, citizen: dict[str, Any], dopa: Signer
) -> None:
    me = citizen["account"]["id"]
    applied = await apply(client, id_card_answers(None), service="id-card-replacement")
    app_id = applied.json()["id"]
    kept = await _kept(me)  # the submission's request stored it, after its answer
    assert kept is not None and kept["format"] == dashboards.FORMAT
    page = await _first_page(client)
    assert page.status_code == 200 and bytes(kept["body"]) == page.content
    assert (await _kept(me)) == kept  # answered from it: not written again

    moved = await status(client, dopa, app_id, {"status": "received", "message": {"en": "In"}})
    assert moved.status_code == 200, moved.text
    kept = await _kept(me)  # the agency's request stored the new page
    assert kept is not None and b'"status":"received"' in bytes(kept["body"])
    await _mark(me)
    assert (await _first_page(client)).content == MARKER  # one row, as kept


async def test_a_page_of_an_older_version_is_never_answered(
    client: Client, citizen: dict[str, Any]
) -> None:
    me = citizen["account"]["id"]
    app_id = (await apply(client)).json()["id"]
    await _mark(me)
    # A change the worker (no request) made: nothing stores the page then.
    await set_status(app_id, "received", OFFICER, agency_id=await agency_id("NHSO"))
    page = await _first_page(client)
    assert page.status_code == 200 and page.json()["items"][0]["status"] == "received"
    kept = await _kept(me)  # read from the rows, then kept
    assert kept is not None and bytes(kept["body"]) == page.content


@pytest.mark.parametrize("stale", ["format", "catalog"])
async def test_a_page_of_other_code_or_another_catalog_is_read_again(
    client: Client, citizen: dict[str, Any], stale: str
) -> None:
    me = citizen["account"]["id"]
    await apply(client)
    await _mark(me)
    assert (await _first_page(client)).content == MARKER
    if stale == "format":
        await DashboardPage.update({DashboardPage.format: dashboards.FORMAT - 1}).where(
            DashboardPage.account == me
        )
    else:  # the service renamed: its name is on the card
        await Service.update(
            {Service.name_en: "Renamed", Service.updated_at: dt.datetime.now(dt.UTC)}
        ).where(Service.slug == "change-health-unit")
    page = await _first_page(client)
    assert page.content != MARKER
    if stale == "catalog":
        assert page.json()["items"][0]["service"]["name"]["en"] == "Renamed"
    kept = await _kept(me)
    assert kept is not None and bytes(kept["body"]) == page.content


async def test_a_kept_page_goes_only_to_its_citizen(
    client: Client, citizen: dict[str, Any], make_client: Any
) -> None:
    me = citizen["account"]["id"]
    await apply(client)
    await _mark(me)
    async with make_client() as other:
        them = await enrol_citizen(other, national_id=thai_id(99))
        assert (await _first_page(other)).json()["items"] == []
        await apply(other)
        theirs = await _first_page(other)
        assert theirs.content != MARKER and len(theirs.json()["items"]) == 1
        assert (await _kept(them["account"]["id"])) is not None
    async with make_client() as staff:
        await enrol_staff(staff, "operator")
        refused = await _first_page(staff)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert (await _first_page(client)).content == MARKER


async def test_erasure_removes_the_kept_page(client: Client, citizen: dict[str, Any]) -> None:
    me = citizen["account"]["id"]
    await apply(client, submit=False)  # a draft: the account may be erased
    assert await _kept(me) is not None
    confirm = thai_id(4242)[-4:]  # the citizen fixture's number
    erased = await client.post("/api/v1/me/erase", json={"confirm": confirm}, headers=csrf(client))
    assert erased.status_code == 200, erased.text
    assert await _kept(me) is None


async def test_a_page_kept_long_ago_goes_and_is_read_again(
    client: Client, citizen: dict[str, Any], settings: Settings
) -> None:
    me = citizen["account"]["id"]
    await apply(client)
    await _mark(me)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=dashboards.KEPT_PAGE_DAYS, hours=1)
    await DashboardPage.update({DashboardPage.stored_at: long_ago}).where(
        DashboardPage.account == me
    )
    assert (await housekeep_all(settings, registry()))["dashboard_page"] == 1
    assert await _kept(me) is None
    page = await _first_page(client)
    assert page.status_code == 200 and len(page.json()["items"]) == 1
    assert (await housekeep_all(settings, registry())).get("dashboard_page", 0) == 0
    kept = await _kept(me)  # kept again, as of now
    assert kept is not None and bytes(kept["body"]) == page.content
