"""`/performance` in Chromium: no JavaScript needed, axe-core finds no violations in Thai and
English at 320 px, and the page with its stylesheet stays under 30 KB on the wire."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, virtual_authenticator
from tests.e2e.staff import admin, forget_rate_limits
from tests.e2e.test_pwa_a11y import _violations

pytestmark = pytest.mark.browser

WIRE_BUDGET = 30_000
"""Bytes on the wire, the page and everything it loads (issue 18)."""


@pytest.fixture(scope="module")
def figures(live_server: LiveServer) -> None:
    out = live_server.portal("performance")
    assert "figures of" in out


@pytest.mark.usefixtures("figures")
@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_page_is_accessible_and_light(
    page: Page, live_server: LiveServer, lang: str, axe_source: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/performance?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert _violations(page, axe_source) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    wire = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
            performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)"""
    )
    print(f"/performance?lang={lang}: {wire} bytes on the wire")
    assert 0 < wire < WIRE_BUDGET


@pytest.mark.usefixtures("figures")
def test_the_month_form_works_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/performance?lang=en")
        months = page.get_by_label("Month of submission")
        options = months.locator("option")
        assert options.count() == 12
        second = options.nth(1).get_attribute("value")
        assert second
        months.select_option(second)
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(f"{live_server.url}/performance?lang=en&month={second}")
        expect(page.locator(f'option[value="{second}"]')).to_have_attribute("selected", "")
        page.get_by_role("link", name="ภาษาไทย").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("ผลการให้บริการของหน่วยงาน")
    finally:
        context.close()


@pytest.mark.usefixtures("figures")
def test_an_officer_sees_their_agency_in_the_console(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    forget_rate_limits(live_server)
    with admin(live_server) as boss:
        invitation = boss.call(
            "POST",
            "/api/v1/admin/invitations",
            {"role": "officer", "full_name": "ผู้ดู ตัวเลข", "agency": "DLT"},
        )
    virtual_authenticator(page)
    page.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
    page.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของหน่วยงาน")
    page.get_by_role("link", name="ผลการให้บริการของหน่วยงานเรา").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ผลการให้บริการของหน่วยงานเรา")
    expect(page.locator("main")).to_contain_text("บริการที่ทำได้ครบในพอร์ทัล: 0 จาก 2")
    page.wait_for_load_state("networkidle")
    assert _violations(page, axe_source) == []
