"""Offline reading is whole (issue 16, point 5): with the network cut, the catalog's search and
its agency and life-event filters work on the catalog the phone holds, find what the server
would, and say that the list may be out of date, in Thai and in English."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    eventually,
    wait_for_data_copies,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser

WHOLE = "/api/v1/services?limit=50&offset=0"
"""The whole catalog, which the catalog screen keeps from the second visit on."""
SEARCHES = [
    {"q": "ใบอนุญาตขับรถ"},
    {"q": "passport renew"},
    {"q": "เกษตร"},
    {"agency": "SSO"},
    {"life_event": "farming"},
    {"q": "บัตร", "agency": "DOPA"},
]
"""Searches to make offline, each compared with the server's answer online."""


def served(server: LiveServer, search: dict[str, str]) -> tuple[list[str], int]:
    """What the server finds: the first page's names (Thai) and the total."""
    query = urllib.parse.urlencode({**search, "limit": 10})
    with urllib.request.urlopen(f"{server.url}/api/v1/services?{query}") as response:
        page = json.load(response)
    return [item["name"]["th"] for item in page["items"]], page["total"]


def search(page: Page, q: str = "", agency: str = "", life_event: str = "") -> None:
    page.locator("#q").fill(q)
    page.locator("#agency").select_option(agency)
    page.locator("#life_event").select_option(life_event)


def test_offline_search_and_filters_run_on_the_whole_catalog_the_phone_holds(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    wait_for_data_copies(page)
    expected = {json.dumps(s): served(live_server, s) for s in SEARCHES}
    all_names, total = served(live_server, {})
    assert total > 10, "the demo catalog is more than one page"

    page.reload()  # a second visit keeps the whole catalog
    expect(page.locator(".card")).to_have_count(10)
    eventually(
        page, "async (url) => Boolean(await caches.match(url, {cacheName: 'portal-data'}))", WHOLE
    )

    context.set_offline(True)
    page.reload()
    cards = page.locator(".card h2")
    status = page.get_by_role("status").and_(page.locator("main p.status"))
    expect(cards).to_have_count(10)
    expect(status).to_contain_text(f"พบ {total} บริการ")
    expect(status).to_contain_text("อาจไม่เป็นปัจจุบัน")
    expect(cards).to_have_text(all_names)

    for wanted in SEARCHES:
        search(page, **wanted)
        names, found = expected[json.dumps(wanted)]
        expect(status).to_contain_text(f"พบ {found} บริการ" if found else "ไม่พบบริการ")
        expect(status).to_contain_text("อาจไม่เป็นปัจจุบัน")
        expect(cards).to_have_text(names)

    # A service past the first page is found too: the phone holds the whole catalog.
    search(page)
    page.get_by_role("button", name="ถัดไป").click()
    expect(cards).to_have_count(total - 10)
    last = cards.last.inner_text()
    search(page, q=last)
    expect(cards.first).to_have_text(last)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_label("Search services")).to_be_visible()  # the screen drawn again
    search(page, agency="SSO")
    expect(status).to_contain_text(
        f"{expected[json.dumps({'agency': 'SSO'})][1]} services found · Offline"
    )
    expect(status).to_contain_text("may be out of date")
    context.set_offline(False)
    page.reload()
    expect(page.locator(".card")).to_have_count(10)
    expect(page.locator("main p.status")).not_to_contain_text("out of date")


def test_offline_after_one_visit_searches_what_that_visit_kept(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    """A first visit keeps only the first page (a new phone downloads no more): offline, the
    search runs on that and still says so."""
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    wait_for_data_copies(page)
    names, _ = served(live_server, {})

    context.set_offline(True)
    page.get_by_label("ค้นหาบริการ").fill(names[3])
    cards = page.locator(".card h2")
    expect(cards).to_have_text([names[3]])
    expect(page.locator("main p.status")).to_contain_text("อาจไม่เป็นปัจจุบัน")
