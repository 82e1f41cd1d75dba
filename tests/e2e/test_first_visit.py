"""First visits in fewer round trips (issue 16): boot.js, the page's first script, asks for the
first screen's data while the shell's modules are still loading; the screen takes that answer
instead of asking again, and the service worker registers (and downloads the shell) only once
the screen is drawn. `make load` times it on a slowed link."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    eventually,
    wait_for_data_copies,
    wait_for_service_worker,
)
from tests.e2e.staff import signed_in_cookies

pytestmark = pytest.mark.browser


REGISTERED_AT = """
const register = ServiceWorkerContainer.prototype.register;
ServiceWorkerContainer.prototype.register = function (...args) {
    globalThis.registeredAt ??= performance.now();
    return register.apply(this, args);
};
"""
"""Note when the page first registers the service worker (performance.now())."""


def asked_before_registering(page: Page, part: str) -> list[str]:
    """The API URLs (path?query) containing `part` the page asked for before it registered
    the service worker (REGISTERED_AT), in order: once in control, the worker has the page ask
    again for what it read, to keep copies (pwa.js keepCopies), which may come at any time."""
    found: list[str] = page.evaluate(
        """(part) => performance.getEntriesByType('resource')
            .filter((e) => e.name.includes(part))
            .filter((e) => e.startTime < (globalThis.registeredAt ?? Infinity))
            .map((e) => new URL(e.name).pathname + new URL(e.name).search)""",
        part,
    )
    return found


def test_the_catalog_asks_for_its_first_page_once_and_the_worker_waits(
    page: Page, live_server: LiveServer
) -> None:
    page.add_init_script(REGISTERED_AT)
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    wait_for_data_copies(page)
    # Asked once by the page (the worker's copy-keeping comes before or after the cards).
    assert asked_before_registering(page, "/api/v1/catalog") == [
        "/api/v1/catalog?limit=10&offset=0"
    ]
    # The worker registered (and began downloading the shell) after the catalog's answer was in.
    registered, answered = page.evaluate(
        """() => [globalThis.registeredAt,
                  performance.getEntriesByType('resource')
                      .find((e) => e.name.includes('/api/v1/catalog')).responseEnd]"""
    )
    assert registered > answered


def test_a_signed_in_dashboard_comes_with_the_session_check(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    """A phone whose browser data was cleared but for the session cookie: the session check,
    the dashboard's first page and the office visits beside it are asked for at once, once."""
    context.add_cookies(signed_in_cookies(live_server))
    page.add_init_script(REGISTERED_AT)
    page.goto(live_server.url + "/#/dashboard")
    expect(page.locator("main li.card")).to_have_count(1)
    # (On a loaded machine the worker's copy-keeping can come before this line.)
    asked = asked_before_registering(page, "/api/v1/")
    assert asked.count("/api/v1/dashboard?limit=20") == 1, asked
    assert asked.count("/api/v1/appointments") == 1  # the office visits beside the list
    assert asked.count("/api/v1/session") == 1, asked  # app.js's check took boot.js's answer
    # All three went out together (boot.js, as the page's head was read), before any answer.
    starts, ends = page.evaluate(
        """() => {
            const mine = performance.getEntriesByType('resource').filter((e) =>
                /\\/api\\/v1\\/(session|appointments|dashboard\\?limit=20)$/.test(e.name)
                && e.startTime < (globalThis.registeredAt ?? Infinity));
            return [mine.map((e) => e.startTime), mine.map((e) => e.responseEnd)];
        }"""
    )
    assert len(starts) == 3 and max(starts) < min(ends), (starts, ends)


def test_a_sign_in_left_half_way_asks_no_session_check_when_the_app_opens_again(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    """Sign-in offers passkeys in the ID field's autofill at once, which starts a ceremony (a
    session with nobody in it, and its cookies). Opened again, the app does not wait a round
    trip for the server to say that nobody is signed in."""
    page.goto(live_server.url + "/#/signin")
    expect(page.locator("#national_id")).to_be_visible()
    eventually(page, "() => document.cookie.includes('portal_csrf=anon.')")
    again = context.new_page()
    asked: list[str] = []
    again.on("request", lambda request: asked.append(request.url))
    again.goto(live_server.url + "/#/signin")
    expect(again.locator("#national_id")).to_be_visible()
    expect(again.locator("[data-module=account-link]")).to_have_attribute("href", "/#/signin")
    assert not [url for url in asked if url.endswith("/api/v1/session")], asked


@pytest.mark.parametrize(("path", "words"), [("/#/enrol", "enrol"), ("/#/recover", "enrol")])
def test_a_screen_with_words_of_its_own_asks_for_them_with_its_modules(
    page: Page, live_server: LiveServer, path: str, words: str
) -> None:
    """Enrolment and the recovery code (opened from a QR code) are often a phone's first
    screen: their words are asked for as the page's head is read (boot.js), not once their
    module has run, a round trip later."""
    page.goto(live_server.url + path)
    expect(page.locator("main form button[type=submit]")).to_be_visible()
    asked = page.evaluate(
        """(set) => performance.getEntriesByType('resource')
            .filter((e) => e.name.includes(`/i18n/${set}/th.json`))
            .map((e) => e.initiatorType)""",
        words,
    )
    assert asked == ["link"], asked  # once, by boot.js's <link rel=preload>, which the module took


def test_the_notification_centre_signed_out_asks_the_server_nothing(
    page: Page, live_server: LiveServer
) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server.url + "/#/notifications")
    expect(page.locator("main a.button[href^='#/signin']")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("การแจ้งเตือน")
    assert not [url for url in asked if "/api/v1/me/" in url], asked


def test_a_phone_that_lost_its_database_but_not_its_account_draws_the_dashboard(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    """boot.js opens the phone's database early when localStorage names an account; with the
    database gone (cleared on its own) that open makes an empty one, which db.js upgrades."""
    context.add_cookies(signed_in_cookies(live_server))
    page.goto(live_server.url + "/#/dashboard")
    expect(page.locator("main li.card")).to_have_count(1)
    assert page.evaluate("() => localStorage.getItem('account') !== null")
    page.evaluate(
        """() => new Promise((done, failed) => {
            const gone = indexedDB.deleteDatabase('portal');
            gone.onsuccess = gone.onblocked = () => done();
            gone.onerror = () => failed(gone.error);
        })"""
    )
    page.reload()
    expect(page.locator("main li.card")).to_have_count(1)
    stores = page.evaluate(
        """() => new Promise((done) => {
            const open = indexedDB.open('portal');
            open.onsuccess = () => { const db = open.result;
                done([db.version, [...db.objectStoreNames]]); db.close(); };
        })"""
    )
    assert stores[0] >= 2 and "data" in stores[1], stores
