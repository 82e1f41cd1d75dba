"""The dashboard: newest activity first, pages, ETag/304 and `since` deltas."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.applications import OFFICER, agency_id, apply, set_status
from tests.support.flows import csrf

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]


async def test_newest_activity_first_with_names_and_pages(client: Client) -> None:
    ids = [(await apply(client)).json()["id"] for _ in range(5)]
    await set_status(ids[0], "received", OFFICER, agency_id=await agency_id("NHSO"))
    page = (await client.get("/api/v1/dashboard", params={"limit": 2})).json()
    assert [i["id"] for i in page["items"]] == [ids[0], ids[4]]
    assert page["items"][0]["status"] == "received"
    assert page["items"][0]["service"]["agency_name"]["en"] == "National Health Security Office"
    rest = (
        await client.get("/api/v1/dashboard", params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert [i["id"] for i in rest["items"]] == [ids[3], ids[2]]
    last = (
        await client.get("/api/v1/dashboard", params={"limit": 2, "cursor": rest["next_cursor"]})
    ).json()
    assert [i["id"] for i in last["items"]] == [ids[1]]
    assert "next_cursor" not in last


async def test_unchanged_dashboard_is_304_and_changes_are_seen(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    first = await client.get("/api/v1/dashboard")
    etag = first.headers["etag"]
    same = await client.get("/api/v1/dashboard", headers={"if-none-match": etag})
    assert same.status_code == 304
    assert same.content == b""
    await set_status(app_id, "received", OFFICER, agency_id=await agency_id("NHSO"))
    changed = await client.get("/api/v1/dashboard", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.json()["items"][0]["status"] == "received"


async def test_since_returns_only_what_changed(client: Client) -> None:
    a = (await apply(client)).json()["id"]
    b = (await apply(client)).json()["id"]
    draft = (await apply(client, {}, submit=False)).json()["id"]
    sync = (await client.get("/api/v1/dashboard")).json()["sync"]
    nothing = (await client.get("/api/v1/dashboard", params={"since": sync})).json()
    assert nothing["items"] == [] and nothing["sync"] == sync

    await set_status(b, "received", OFFICER, agency_id=await agency_id("NHSO"))
    await client.delete(f"/api/v1/applications/{draft}", headers=csrf(client))
    delta = (await client.get("/api/v1/dashboard", params={"since": sync})).json()
    assert [(i["id"], i["status"], i.get("deleted", False)) for i in delta["items"]] == [
        (b, "received", False),
        (draft, "draft", True),
    ]
    assert a not in {i["id"] for i in delta["items"]}
    assert delta["sync"] > sync


async def test_twenty_applications_fit_the_budget(client: Client) -> None:
    import brotli

    for _ in range(20):
        await apply(client)
    response = await client.get("/api/v1/dashboard", params={"limit": 20})
    assert len(response.json()["items"]) == 20
    assert len(brotli.compress(response.content)) <= 5 * 1024  # DESIGN.md budget


async def test_each_card_carries_the_answer_its_service_marks_as_identifying(
    client: Client,
) -> None:
    """Three vehicle-tax applications differ by their plate on the dashboard; a service that
    marks no field sends no detail."""
    answers = {
        "full_name": "สมชาย ใจดี",
        "phone": "0812345678",
        "province": "กรุงเทพมหานคร",
        "delivery_address": "1 ถนนราชดำเนิน",
    }
    for plate in ("กข 1234", "1กก 999"):
        response = await apply(client, {**answers, "plate": plate}, service="vehicle-tax")
        assert response.status_code == 201, response.text
    await apply(client)  # change-health-unit: nothing marked
    items = (await client.get("/api/v1/dashboard")).json()["items"]
    assert [i.get("detail") for i in items] == [None, "1กก 999", "กข 1234"]
    service = (await client.get("/api/v1/services/vehicle-tax")).json()
    assert [f["name"] for f in service["form"] if f.get("identifies")] == ["plate"]


async def test_a_card_that_waits_on_the_citizen_says_what_is_asked(client: Client) -> None:
    """What the agency asks for is read for the cards that wait on it alone (the rest of a
    card comes from the dashboard's index): it shows on that card, and on no other."""
    asked = (await apply(client)).json()["id"]
    other = (await apply(client)).json()["id"]
    nhso = await agency_id("NHSO")
    for app_id in (asked, other):
        await set_status(app_id, "received", OFFICER, agency_id=nhso)
    await set_status(
        asked, "needs_info", OFFICER, agency_id=nhso,
        message_th="ขอเบอร์โทร", message_en="Your phone number, please", needs_fields=["phone"],
    )  # fmt: skip
    for params in ({}, {"since": "0"}):
        items = (await client.get("/api/v1/dashboard", params=params)).json()["items"]
        cards = {i["id"]: i for i in items}
        assert cards[asked]["status"] == "needs_info"
        assert cards[asked]["action"] == {
            "message": {"th": "ขอเบอร์โทร", "en": "Your phone number, please"},
            "fields": ["phone"],
        }
        assert "action" not in cards[other] or cards[other]["action"] is None
