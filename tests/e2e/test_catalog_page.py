"""A newcomer opens the portal and browses Thai services from several agencies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_catalog_in_thai_then_english(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("บริการภาครัฐ")
    cards = page.locator(".card")
    expect(cards).to_have_count(10)  # first page
    expect(page.get_by_role("status")).to_contain_text("พบ 18 บริการ")
    expect(page.locator("html")).to_have_attribute("lang", "th")

    page.get_by_label("ค้นหาบริการ").fill("ใบอนุญาตขับรถ")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("ต่ออายุใบอนุญาตขับรถ")
    expect(cards.first).to_contain_text("กรมการขนส่งทางบก")

    cards.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ต่ออายุใบอนุญาตขับรถ")
    expect(page.locator("main")).to_contain_text("ใบรับรองแพทย์")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew a driving licence")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew a driving licence")


def test_filter_by_agency_and_fit_a_small_phone(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url)
    page.get_by_label("หน่วยงาน").select_option("SSO")
    expect(page.get_by_role("status")).to_contain_text("พบ 3 บริการ")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    expect(page.locator(".card").first).to_contain_text(re.compile("สำนักงานประกันสังคม"))
