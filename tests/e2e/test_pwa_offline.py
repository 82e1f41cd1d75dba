"""Installable and offline: the first visit installs the service worker and precaches the shell;
afterwards the app opens without a network and says honestly what is the phone's copy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    eventually,
    page_build,
    wait_for_data_copies,
    wait_for_kept_screen,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser


def test_first_visit_installs_the_service_worker_and_precaches_the_shell(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    build = page_build(page)
    expect(page.locator("[data-module=notice]")).to_contain_text("พร้อมใช้งานแบบออฟไลน์")
    # The notice comes when the worker is installed; the catalog's copy only once it has taken
    # control and the page asked again (keepCopies), a moment later.
    wait_for_data_copies(page)

    wait_for_kept_screen(page)  # the catalog as drawn, to open with next time
    caches = page.evaluate("() => caches.keys()")
    assert sorted(caches) == sorted(
        [f"portal-shell-{build}", "portal-data", f"portal-screens-{build}"]
    )
    cached = page.evaluate(
        """async (name) => (await (await caches.open(name)).keys())
            .map((r) => new URL(r.url).pathname)""",
        f"portal-shell-{build}",
    )
    for path in (
        "/",
        "/offline.html",
        f"/v/{build}/js/app.js",
        f"/v/{build}/css/app.css",
        f"/v/{build}/i18n/en.json",
    ):
        assert path in cached
    # Screens are not precached: the one this visit opened is kept (from the HTTP cache),
    # the others only once used, or once a citizen signs in.
    assert f"/v/{build}/js/screens/apply.js" not in cached
    eventually(
        page, "async (url) => Boolean(await caches.match(url))", f"/v/{build}/js/screens/catalog.js"
    )


def test_offline_reload_shows_the_shell_and_the_cached_catalog(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    status = page.locator("[data-module=status]")
    expect(status).to_be_hidden()  # online, fresh data: nothing to say
    # The data the first view read before the worker took over is kept once it does.
    wait_for_data_copies(page)

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("บริการภาครัฐ")
    expect(page.locator(".card")).to_have_count(10)
    expect(status).to_be_visible()
    expect(status).to_contain_text("ออฟไลน์")
    expect(status).to_contain_text(re.compile(r"ข้อมูลเมื่อ \d{1,2}:\d{2}"))

    page.get_by_role("button", name="English").click()
    expect(status).to_contain_text(re.compile(r"Offline · Last updated \d{1,2}:\d{2}"))

    # A service never opened online is not on the phone: a clear message, not a blank page.
    # (Another tab: Chromium rightly logs the failed fetch, which the `page` fixture forbids.)
    other = context.new_page()
    other.goto(f"{live_server.url}/#/services/farmer-registration")
    expect(other.get_by_role("alert")).to_contain_text("Offline, and this page is not saved")
    other.close()

    context.set_offline(False)
    page.reload()
    expect(page.locator(".card")).to_have_count(10)
    expect(status).to_be_hidden()


def test_other_pages_offline_get_the_offline_page(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    page.goto(live_server.url)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.goto(f"{live_server.url}/track")
    expect(page.get_by_role("heading", level=1)).to_have_text("ไม่มีสัญญาณอินเทอร์เน็ต")
    expect(page.get_by_role("link", name="กลับไปหน้าแรก")).to_have_attribute("href", "/")


def test_a_kiosk_keeps_no_copy_of_api_answers(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url)
    wait_for_service_worker(page)
    wait_for_data_copies(page)
    page.evaluate(
        """async () => {
            const app = document.querySelector('script[src$="/js/app.js"]').src;
            const { setKiosk } = await import(app.replace('app.js', 'api.js'));
            setKiosk(true);
        }"""
    )
    eventually(page, "async () => !(await caches.keys()).includes('portal-data')")
    # Kiosk mode lasts as long as this page (the server says so at each start of a real
    # kiosk, which then runs without a service worker): API answers now pass uncached.
    page.evaluate("() => fetch('/api/v1/agencies').then((r) => r.json())")
    assert page.evaluate("async () => (await caches.keys()).includes('portal-data')") is False
