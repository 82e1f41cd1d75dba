"""Tracking without an account: server-rendered, no JavaScript, reveals nothing on a mismatch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.applications.tables import Application
from tests.support.applications import OFFICER, agency_id, apply, set_status

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def submitted(client: Client) -> tuple[str, str]:
    from tests.support.flows import enrol_citizen, thai_id

    national_id = thai_id(555)
    await enrol_citizen(client, national_id=national_id)
    body = (await apply(client)).json()
    await set_status(
        body["id"],
        "received",
        OFFICER,
        agency_id=await agency_id("NHSO"),
        message_th="รับเรื่องแล้ว",
        message_en="Received",
    )
    return body["tracking_code"], national_id[-4:]


async def test_form_works_without_javascript(client: Client) -> None:
    page = await client.get("/track")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text
    assert '<form method="post"' in page.text
    assert 'lang="th"' in page.text
    english = await client.get("/track?lang=en")
    assert "Tracking code" in english.text


async def test_right_pair_shows_status_and_history(client: Client, make_client: Any) -> None:
    code, last4 = await submitted(client)
    async with make_client() as anyone:  # no account, no cookies
        page = await anyone.post("/track", data={"code": code.lower(), "last4": last4})
    assert page.status_code == 200
    assert code in page.text
    assert "หน่วยงานรับเรื่องแล้ว" in page.text  # current status in Thai
    assert "รับเรื่องแล้ว" in page.text  # the agency's message
    assert "เปลี่ยนหน่วยบริการสิทธิบัตรทอง" in page.text
    assert "25" in page.text  # a Buddhist-era year (25xx)
    assert "โรงพยาบาล" not in page.text  # never the citizen's answers


async def test_wrong_pair_reveals_nothing(client: Client, make_client: Any) -> None:
    code, last4 = await submitted(client)
    wrong_digits = str((int(last4) + 1) % 10000).zfill(4)
    async with make_client() as anyone:
        wrong = await anyone.post("/track", data={"code": code, "last4": wrong_digits})
        unknown = await anyone.post("/track", data={"code": "NHSO-AAAA-AA", "last4": last4})
    assert wrong.status_code == unknown.status_code == 200
    assert "ไม่พบคำขอ" in wrong.text
    assert wrong.text == unknown.text.replace("NHSO-AAAA-AA", code)


async def test_lookups_are_rate_limited(client: Client, make_client: Any) -> None:
    code, last4 = await submitted(client)
    async with make_client() as guesser:
        statuses = [
            (await guesser.post("/track", data={"code": code, "last4": f"{n:04d}"})).status_code
            for n in range(11)
        ]
        assert statuses[-1] == 429
        assert statuses[:10] == [200] * 10
        blocked = await guesser.post("/track", data={"code": code, "last4": last4})
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers
    assert code not in blocked.text.split("<main")[1].split("</form>")[1]


async def test_the_promised_date_shows_and_says_when_it_is_past(
    client: Client, make_client: Any
) -> None:
    code, last4 = await submitted(client)
    async with make_client() as anyone:
        page = await anyone.post("/track", data={"code": code, "last4": last4})
        assert "คาดว่าจะทราบผลภายใน" in page.text and "เกินกำหนด" not in page.text
        # Submitted three weeks ago: a 1-working-day promise is long past.
        await Application.update(
            {Application.submitted_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=21)}
        ).where(Application.tracking_code == code)
        late = await anyone.post("/track", data={"code": code, "last4": last4})
        assert "เกินกำหนด: หน่วยงานควรแจ้งผลภายใน" in late.text


async def test_the_status_says_what_it_means_and_history_runs_oldest_first(
    client: Client, make_client: Any
) -> None:
    """The glossary's label and line of meaning, and the history in the app's order."""
    code, last4 = await submitted(client)
    async with make_client() as anyone:
        page = await anyone.post("/track?lang=en", data={"code": code, "last4": last4})
    assert "The agency has your application and will start reviewing it." in page.text
    history = page.text.split('<ol class="history">', 1)[1]
    assert history.index("Submitted") < history.index("Received by the agency")
