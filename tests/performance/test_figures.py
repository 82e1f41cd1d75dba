"""Every figure of a known history (tests/performance/history.py), suppression included, on
SQLite and PostgreSQL; served from the cached snapshot by the page, the JSON API and the CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.performance import services
from backend.performance.tables import PerformanceSnapshot
from backend.settings import Settings
from backend.system.housekeeping import housekeep_all
from backend.system.registry import current
from tests.performance.history import NOW, build_history

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db")]

Client = AsyncTestClient[Any]
HIDDEN = {"value": None, "reason": "fewer_than_10_applications"}
MONTHS = ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]


def _v(value: float) -> dict[str, float]:
    return {"value": value}


SERVICE_OCTOBER = {
    "month": "2026-10",
    "received": _v(12),
    "online_pct": _v(58.3),  # 7 of 12
    "kiosk_pct": _v(25.0),
    "delegate_pct": _v(16.7),  # 2 of 12
    "median_days": _v(3.5),  # (3 + 4) / 2
    "p90_days": _v(8.0),  # nearest rank: the 9th of 10
    "within_promise_pct": _v(45.5),  # 5 in time; 5 late and 1 still open past the deadline
    "push_pct": _v(50.0),
}
SERVICE_NOVEMBER = {
    "month": "2026-11",
    "received": _v(11),
    "online_pct": _v(100.0),
    "kiosk_pct": _v(0.0),
    "delegate_pct": _v(0.0),
    "median_days": HIDDEN,  # none decided
    "p90_days": HIDDEN,
    "within_promise_pct": _v(0.0),  # all 11 past the deadline
    "push_pct": _v(0.0),
}
EMPTY_MONTH = {
    "received": HIDDEN,
    "online_pct": HIDDEN,
    "kiosk_pct": HIDDEN,
    "delegate_pct": HIDDEN,
    "median_days": HIDDEN,
    "p90_days": HIDDEN,
    "within_promise_pct": HIDDEN,
    "push_pct": HIDDEN,
}
AGENCY_NOVEMBER = {
    "month": "2026-11",
    "received": _v(15),
    "online_pct": _v(93.3),  # 14 of 15
    "kiosk_pct": _v(6.7),
    "delegate_pct": _v(0.0),
    "median_days": HIDDEN,  # 2 decided
    "p90_days": HIDDEN,
    "within_promise_pct": _v(15.4),  # 2 in time of 13 (11 overdue)
    "push_pct": _v(0.0),
}
SERVICE_BACKLOG = {
    "total": _v(12),
    "by_status": {
        "submitted": _v(10),
        "received": HIDDEN,
        "in_review": HIDDEN,
        "needs_info": HIDDEN,
    },
    "median_age_days": _v(4.0),
    "p90_age_days": _v(4.0),
    "overdue": _v(12),
}
AGENCY_BACKLOG = {**SERVICE_BACKLOG, "total": _v(14)}
AGENCY_BACKLOG["by_status"] = {**SERVICE_BACKLOG["by_status"], "submitted": _v(12)}  # type: ignore[dict-item]
FEW_BACKLOG = {
    "total": HIDDEN,
    "by_status": dict.fromkeys(["submitted", "received", "in_review", "needs_info"], HIDDEN),
    "median_age_days": HIDDEN,
    "p90_age_days": HIDDEN,
    "overdue": HIDDEN,
}


def _month(months: list[dict[str, Any]], month: str) -> dict[str, Any]:
    return next(m for m in months if m["month"] == month)


async def _figures(client: Client) -> dict[str, Any]:
    await build_history()
    await services.refresh(NOW)
    answer = await client.get("/api/v1/performance")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_every_figure_of_a_known_history(client: Client) -> None:
    body = await _figures(client)
    assert body["months"] == MONTHS
    assert body["min_applications"] == 10
    dopa = next(a for a in body["agencies"] if a["code"] == "DOPA")
    move = next(s for s in dopa["services"] if s["slug"] == "house-registration-move")
    card = next(s for s in dopa["services"] if s["slug"] == "id-card-replacement")

    assert move["promised_days"] == 3 and move["end_to_end"] is True
    assert card["promised_days"] == 1 and card["end_to_end"] is True  # its fee: by Thai QR
    assert _month(move["months"], "2026-10") == SERVICE_OCTOBER
    assert _month(move["months"], "2026-11") == SERVICE_NOVEMBER
    for month in MONTHS[:-2]:
        assert _month(move["months"], month) == {"month": month, **EMPTY_MONTH}
    assert _month(card["months"], "2026-11") == {"month": "2026-11", **EMPTY_MONTH}
    assert move["backlog"] == SERVICE_BACKLOG
    assert card["backlog"] == FEW_BACKLOG

    assert _month(dopa["months"], "2026-10") == SERVICE_OCTOBER
    assert _month(dopa["months"], "2026-11") == AGENCY_NOVEMBER
    assert dopa["backlog"] == AGENCY_BACKLOG
    # DOPA's four services: all free but the ID card, whose fee is paid by Thai QR.
    assert dopa["e_service"] == {"services": 4, "end_to_end": 4, "pct": 100.0}
    dlt = next(a for a in body["agencies"] if a["code"] == "DLT")
    assert dlt["e_service"] == {"services": 2, "end_to_end": 0, "pct": 0.0}
    assert _month(dlt["months"], "2026-11") == {"month": "2026-11", **EMPTY_MONTH}


async def test_the_page_and_the_api_read_the_cache_not_the_applications(client: Client) -> None:
    before = await _figures(client)
    page = await client.get("/performance?lang=en&month=2026-10")
    await build_history()  # more applications: nothing shown changes until the next refresh
    assert (await client.get("/api/v1/performance")).json() == before
    assert (await client.get("/performance?lang=en&month=2026-10")).text == page.text
    await services.refresh(NOW)
    agencies = (await client.get("/api/v1/performance")).json()["agencies"]
    dopa = next(a for a in agencies if a["code"] == "DOPA")
    assert _month(dopa["months"], "2026-10")["received"] == _v(24)
    assert await PerformanceSnapshot.count() == 1  # the older snapshot is gone


async def test_the_worker_refreshes_the_figures_with_housekeeping(
    client: Client, settings: Settings
) -> None:
    missing = await client.get("/api/v1/performance")
    assert missing.status_code == 404
    assert missing.json()["code"] == "figures_not_ready"
    page = await client.get("/performance")
    assert page.status_code == 200 and "ยังไม่มีตัวเลข" in page.text
    await build_history()
    await housekeep_all(settings, current(), now=NOW)
    body = (await client.get("/api/v1/performance")).json()
    dopa = next(a for a in body["agencies"] if a["code"] == "DOPA")
    assert _month(dopa["months"], "2026-10") == SERVICE_OCTOBER


async def test_the_page_in_thai_and_english(client: Client) -> None:
    await _figures(client)
    thai = await client.get("/performance", params={"month": "2026-10"})
    assert thai.status_code == 200
    assert thai.headers["content-type"].startswith("text/html")
    assert '<html lang="th">' in thai.text
    assert "ผลการให้บริการของหน่วยงาน" in thai.text
    assert 'value="2026-10" selected' in thai.text and "ต.ค. 2569" in thai.text
    assert "<td>12</td><td>58.3</td><td>25</td><td>16.7</td><td>3.5</td><td>8</td><td>3</td>" in (
        thai.text
    )
    assert "ยื่นโดยผู้รับมอบ" in thai.text  # the delegates' column
    english = await client.get("/performance", params={"month": "2026-11", "lang": "en"})
    assert '<html lang="en">' in english.text and "Nov 2026" in english.text
    # November of the ID card: four applications, every figure a dash.
    row = english.text.split("Replace a lost national ID card")[1].split("</tr>")[0]
    assert row.count("<td>–</td>") == 8 and "<td>1</td>" in row  # the promise is public
    assert "<script" not in english.text
    newest = await client.get("/performance", params={"lang": "en"})
    assert 'value="2026-11" selected' in newest.text


async def test_json_filters_and_errors(client: Client) -> None:
    await _figures(client)
    one = await client.get("/api/v1/performance", params={"agency": "dopa", "month": "2026-10"})
    body = one.json()
    assert body["months"] == ["2026-10"] and [a["code"] for a in body["agencies"]] == ["DOPA"]
    assert body["agencies"][0]["months"] == [SERVICE_OCTOBER]
    for params, code in [
        ({"agency": "NOPE"}, "unknown_agency"),
        ({"month": "2020-01"}, "unknown_month"),
    ]:
        answer = await client.get("/api/v1/performance", params=params)
        assert answer.status_code == 404 and answer.json()["code"] == code
    bad = await client.get("/api/v1/performance", params={"month": "2026-13"})
    assert bad.status_code == 400 and set(bad.json()) >= {"code", "message"}
    bad_page = await client.get("/performance", params={"lang": "fr"})
    assert bad_page.status_code == 400


async def test_csv_download(client: Client) -> None:
    await _figures(client)
    answer = await client.get("/api/v1/performance.csv", params={"agency": "DOPA"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 12 * (1 + 4)  # months × (the agency and its four services)
    october = next(
        r for r in rows if r["month"] == "2026-10" and r["service"] == "house-registration-move"
    )
    assert october == {
        "month": "2026-10",
        "agency": "DOPA",
        "service": "house-registration-move",
        "promised_working_days": "3",
        "received": "12",
        "online_pct": "58.3",
        "kiosk_pct": "25",
        "delegate_pct": "16.7",
        "median_days": "3.5",
        "p90_days": "8",
        "within_promise_pct": "45.5",
        "push_pct": "50",
        "not_shown": "",
    }
    card = next(
        r for r in rows if r["month"] == "2026-11" and r["service"] == "id-card-replacement"
    )
    assert card["received"] == "" and "received:fewer_than_10_applications" in card["not_shown"]
    backlog = await client.get("/api/v1/performance.csv", params={"table": "backlog"})
    lines = list(csv.DictReader(io.StringIO(backlog.text)))
    move = next(r for r in lines if r["service"] == "house-registration-move")
    assert (move["total"], move["submitted"], move["in_review"], move["overdue"]) == (
        "12",
        "10",
        "",
        "12",
    )


async def test_no_personal_data_in_the_public_figures(client: Client) -> None:
    await _figures(client)
    body = (await client.get("/api/v1/performance")).text
    page = (await client.get("/performance?month=2026-10")).text
    for text in (body, page):
        assert "TEST-" not in text and "ทดสอบ" not in text and "push.example" not in text
