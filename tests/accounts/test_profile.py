"""My details on My account: phone and address, seen and changed by the account holder only,
checked, recorded in the activity log the citizen reads, and told as a notice."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.flows import csrf, enrol_citizen, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
PROFILE = "/api/v1/me/profile"


async def test_the_holder_changes_phone_and_address_and_sees_it_recorded(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(71))
    changed = await client.patch(
        PROFILE,
        json={"phone": "089-123-4567", "address": "  5 หมู่ 2 ต.หนองบัว อ.เมือง จ.อุดรธานี 41000 "},
        headers=csrf(client),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "0891234567"
    assert changed.json()["address"] == "5 หมู่ 2 ต.หนองบัว อ.เมือง จ.อุดรธานี 41000"
    assert (await client.get(PROFILE)).json()["address"].startswith("5 หมู่ 2")
    activity = (await client.get("/api/v1/me/activity")).json()
    assert activity[0]["action"] == "account.profile_updated"
    assert activity[0]["by"] == "me"
    notices = (await client.get("/api/v1/me/notifications")).json()["items"]
    assert any("เบอร์โทรศัพท์หรือที่อยู่" in n["text"]["th"] for n in notices)


async def test_a_wrong_phone_or_address_is_refused_in_both_languages(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(72))
    before = (await client.get(PROFILE)).json()
    for body, name in (
        ({"phone": "12345"}, "phone"),
        ({"address": "บ้าน\x00เลขที่ 1"}, "address"),
        ({"address": "x" * 301}, None),
    ):
        refused = await client.patch(PROFILE, json=body, headers=csrf(client))
        assert refused.status_code in (400, 422), refused.text
        said = refused.json()
        assert said["code"] and said["message"]
        if name:
            assert said["fields"][name]["th"] and said["fields"][name]["en"]
    assert (await client.get(PROFILE)).json() == before  # nothing half-written


async def test_nobody_else_changes_them(client: Client, make_client: Any) -> None:
    """Without the session's CSRF token, or signed out, nothing changes; the route is the
    caller's own (/me): another citizen can only ever reach their own."""
    await enrol_citizen(client, national_id=thai_id(73))
    assert (await client.patch(PROFILE, json={"phone": "0800000000"})).status_code == 403
    async with make_client() as stranger:
        assert (await stranger.patch(PROFILE, json={"phone": "0800000000"})).status_code in (
            401,
            403,
        )
        await enrol_citizen(stranger, national_id=thai_id(74))
        await stranger.patch(PROFILE, json={"phone": "0800000000"}, headers=csrf(stranger))
    assert (await client.get(PROFILE)).json().get("phone", "") != "0800000000"
