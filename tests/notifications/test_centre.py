"""The notification centre (what arrived, also while the phone was off; marked read) and
preferences (muted kinds); each citizen sees only their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.flows import csrf, enrol_citizen, enrol_staff, thai_id
from tests.support.notifications import (
    NOTIFICATIONS,
    PREFERENCES,
    agency_moves,
    submitted_application,
)

Client = Any

JOURNEY = ("received", "in_review", "needs_info")


@pytest.fixture
async def history(client: Client) -> list[int]:
    """A citizen whose application went through JOURNEY, and one more that was received:
    four notifications. Returns the application ids."""
    await enrol_citizen(client, national_id=thai_id(81))
    first = await submitted_application(client)
    second = await submitted_application(client)
    for status in JOURNEY:
        await agency_moves(first["id"], status)
    await agency_moves(second["id"], "received")
    return [first["id"], second["id"]]


async def page(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(NOTIFICATIONS, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-cache"
    body: dict[str, Any] = response.json()
    return body


async def read(client: Client, **body: Any) -> Any:
    return await client.post(f"{NOTIFICATIONS}/read", json=body, headers=csrf(client))


async def test_newest_first_in_pages(client: Client, history: list[int]) -> None:
    first, second = history
    one = await page(client, limit=3)
    assert [(n["application_id"], n["status"]) for n in one["items"]] == [
        (second, "received"),
        (first, "needs_info"),
        (first, "in_review"),
    ]
    assert one["unread"] == 4
    newest = one["items"][0]
    assert newest["url"] == f"/#/applications/{second}"
    assert newest["kind"] == "status_update"
    assert newest["text"] == {
        "th": "หน่วยงานได้รับคำขอของคุณแล้ว และจะเริ่มพิจารณา",
        "en": "The agency has your application and will start reviewing it.",
    }
    assert "read_at" not in newest
    # The list in the app names the service; a push stays bare (test_status_pushes).
    assert newest["service"]["en"] == "Change your gold-card health unit"
    two = await page(client, limit=3, cursor=one["next_cursor"])
    assert [n["status"] for n in two["items"]] == ["received"]
    assert "next_cursor" not in two


async def test_mark_some_then_all_read(client: Client, history: list[int]) -> None:
    items = (await page(client))["items"]
    marked = await read(client, ids=[items[0]["id"], items[1]["id"]])
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"unread": 2}
    again = await read(client, ids=[items[0]["id"]])  # already read: no change
    assert again.json() == {"unread": 2}
    after = (await page(client))["items"]
    assert [("read_at" in n) for n in after] == [True, True, False, False]
    assert (await read(client, all=True)).json() == {"unread": 0}
    assert (await page(client))["unread"] == 0


async def test_another_citizen_sees_and_marks_nothing(
    client: Client, make_client: Callable[[], Client], history: list[int]
) -> None:
    mine = (await page(client))["items"]
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(82))
        assert await page(other) == {"items": [], "unread": 0}
        stolen = await read(other, ids=[mine[0]["id"]])
        assert stolen.status_code == 404
        assert stolen.json()["code"] == "notification_not_found"
        assert (await read(other, all=True)).json() == {"unread": 0}
    assert (await page(client))["unread"] == 4


async def test_only_signed_in_citizens(
    client: Client, make_client: Callable[[], Client], db: Any
) -> None:
    for path in (NOTIFICATIONS, PREFERENCES):
        assert (await client.get(path)).status_code == 401
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="NHSO")
        assert (await officer.get(NOTIFICATIONS)).status_code == 403


async def test_preferences_mute_kinds(client: Client, db: Any) -> None:
    await enrol_citizen(client, national_id=thai_id(83), language="en")
    start = await client.get(PREFERENCES)
    assert start.status_code == 200
    assert start.json() == {
        "muted": [],
        "kinds": ["status_update", "needs_info", "decision"],
        "language": "en",
    }
    muted = await client.put(
        PREFERENCES, json={"muted": ["decision", "status_update"]}, headers=csrf(client)
    )
    assert muted.status_code == 200, muted.text
    assert muted.json()["muted"] == ["status_update", "decision"]
    assert (await client.get(PREFERENCES)).json()["muted"] == ["status_update", "decision"]

    unknown = await client.put(PREFERENCES, json={"muted": ["marketing"]}, headers=csrf(client))
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_notification_kind"
    assert set(unknown.json()["fields"]["muted"]) == {"en", "th"}
    none = await client.put(PREFERENCES, json={"muted": []}, headers=csrf(client))
    assert none.json()["muted"] == []
