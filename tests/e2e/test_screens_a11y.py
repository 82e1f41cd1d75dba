"""WCAG 2.2 AA on the citizen's screens, checked by axe-core in Chromium in Thai and English,
at 320 px: signed out (welcome, sign-in, enrolment, recovery and invitation codes) and signed
in (dashboard, an application, a form showing its errors, my account, who accessed my data,
my data as a page, my documents)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    LiveServer,
    enrol_in_browser,
    upload_to_wallet,
    virtual_authenticator,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.e2e.visits import book_in_page, local, publish
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGNED_OUT = ["#/welcome", "#/signin", "#/enrol", "#/recover?code=ABCD-EFGH", "#/invitation"]
HEALTH = {
    "full_name": "สมชาย ใจดี",
    "national_id": "1101700207030",
    "phone": "0812345678",
    "new_unit": "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา",
    "reason": "moved",
}


def _switch(page: Page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.get_by_role("button", name="English" if lang == "en" else "ภาษาไทย").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _open(page: Page, url: str) -> None:
    """Go to a screen and wait until it has replaced the one before (same page, new hash)."""
    page.evaluate("() => document.querySelector('main h1')?.setAttribute('data-old', '')")
    page.goto(url)
    expect(page.locator("main h1:not([data-old])")).to_be_visible()


def _check(page: Page, axe_source: str, screen: str) -> None:
    page.wait_for_load_state("networkidle")
    assert _violations(page, axe_source) == [], screen
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), screen


@pytest.mark.parametrize("lang", ["th", "en"])
def test_axe_finds_no_violations_on_the_citizen_screens(
    page: Page, live_server: LiveServer, axe_source: str, lang: str
) -> None:
    live_server.forget_rate_limits()
    page.set_viewport_size({"width": 320, "height": 640})
    virtual_authenticator(page)
    page.goto(live_server.url)
    _switch(page, lang)
    for screen in SIGNED_OUT:
        _open(page, f"{live_server.url}/{screen}")
        _check(page, axe_source, screen)

    _switch(page, "th")
    enrol_in_browser(page, live_server.url, thai_id())
    _switch(page, lang)
    created = page.evaluate(
        """async (answers) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const response = await fetch('/api/v1/applications', { method: 'POST',
                body: JSON.stringify({ service: 'change-health-unit', answers }),
                headers: { 'content-type': 'application/json', 'x-csrf-token': csrf,
                           'idempotency-key': crypto.randomUUID() } });
            return response.json();
        }""",
        HEALTH,
    )
    # Its visit to the office, booked: on the dashboard's card and the application.
    [slot] = publish(
        live_server, "NHSO", "change-health-unit", f"รพ.สต. ({lang})", (local(10, 9), 2)
    )["slots"]
    book_in_page(page, slot, created["id"])
    upload_to_wallet(
        page, "police_report", "scan.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    )
    inside = ("#/account?show=activity", "#/account?show=data", "#/documents")
    for screen in (
        "#/dashboard",
        f"#/applications/{created['id']}",
        "#/account",
        *inside,
        "#/documents",
    ):
        page.goto(f"{live_server.url}/{screen}")
        page.reload()  # the dashboard was open already: draw it again, with the application
        expect(page.locator("main .card, main dl").first).to_be_visible()
        _check(page, axe_source, screen)

    # A visit before applying: the free times to choose from.
    _open(page, f"{live_server.url}/#/services/change-health-unit?visit")
    page.locator("main .visit button").click()
    expect(page.locator("main .visit input[type=radio]").first).to_be_visible()
    _check(page, axe_source, "visit before applying")

    # A form with a date, a choice, a wallet document, and every error showing.
    _open(page, f"{live_server.url}/#/services/id-card-replacement/apply")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".field-error:not([hidden])").first).to_be_visible()
    _check(page, axe_source, "apply with errors")
