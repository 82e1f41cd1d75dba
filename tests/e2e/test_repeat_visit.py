"""Repeat visits draw at once (issue 16, point 2): a screen whose data the phone has shows its
last copy without waiting for the link, says from when ("ข้อมูลเมื่อ 10:42"), and then shows
what the server answers. The catalog, sign-in and the dashboard come as last drawn inside the
HTML the service worker serves, so they show at the first paint; the dashboard's drawing is
personal and goes when its citizen signs out or their session ends."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.conftest import (
    LiveServer,
    eventually,
    wait_for_data_copies,
    wait_for_kept_screen,
    wait_for_service_worker,
)
from tests.e2e.staff import applied, citizen, signed_in_cookies
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "ready"),
    [("/", "main .card"), ("/#/services/driving-licence-renewal", "main a.button")],
    ids=["catalog", "service page"],
)
def test_the_last_copy_shows_while_the_link_is_stuck(
    page: Page, live_server: LiveServer, path: str, ready: str
) -> None:
    page.goto(live_server.url + path)
    expect(page.locator(ready).first).to_be_visible()
    wait_for_service_worker(page)
    page.reload()  # the worker in control keeps the copies
    expect(page.locator(ready).first).to_be_visible()
    wait_for_data_copies(page)

    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # the link answers nothing for now

    page.context.route("**/api/v1/**", hold)
    page.reload()
    expect(page.locator(ready).first).to_be_visible(timeout=2_000)  # before the worker gives up
    status = page.locator("[data-module=status]")
    expect(status).to_contain_text("ข้อมูลเมื่อ")
    expect(status).not_to_contain_text("ออฟไลน์")
    assert held, "the screen asked the server too"

    for route in held:
        route.continue_()
    page.context.unroute("**/api/v1/**", hold)
    expect(status).to_be_hidden()  # the server's answer: nothing to say
    expect(page.locator(ready).first).to_be_visible()


IN_THE_HTML = """(selector) => {
    // Screens are drawn by main.replaceChildren (app.js); anything in main before that came
    // with the HTML the service worker served.
    window.__drawn = false;
    const replace = Element.prototype.replaceChildren;
    Element.prototype.replaceChildren = function (...nodes) {
        if (this.id === 'main') window.__drawn = true;
        return replace.apply(this, nodes);
    };
    window.__inHtml = null;
    const watch = new MutationObserver(() => {
        if (!document.querySelector(selector)) return;
        window.__inHtml = !window.__drawn;
        watch.disconnect();
    });
    watch.observe(document, { childList: true, subtree: true });
}"""
"""Records in `__inHtml` whether `selector` was in the page before a script drew the screen."""

PAINTED_BEFORE_THE_APP = """(selector) => {
    // At the first frame that shows `selector`: had any module of the app been started?
    const look = () => {
        if (!document.querySelector(selector)) return requestAnimationFrame(look);
        window.__appAtFirstDraw = document.querySelectorAll('script[type=module]').length > 0;
    };
    requestAnimationFrame(look);
}"""
"""Records in `__appAtFirstDraw` whether the app's modules were on their way when the screen
first painted: on a screen kept as drawn they must not be (sw.js's paintFirst)."""

TYPE_BEFORE_THE_APP = """() => {
    const typing = new MutationObserver(() => {
        const box = document.querySelector('main #q');
        if (!box || window.__drawn) return;
        box.value = 'ใบอนุญาตขับรถ';
        typing.disconnect();
    });
    typing.observe(document, { childList: true, subtree: true });
}"""
"""A citizen typing into the search box of the catalog as last drawn, before any module ran."""


KEPT_DASHBOARD_WITHOUT = """async (code) => {
    const name = (await caches.keys()).find((n) => n.startsWith('portal-screens-'));
    const kept = name && (await (await caches.open(name)).match('/__screen/th/%23%2Fdashboard'));
    return !kept || !(await kept.text()).includes(code);
}"""
"""The dashboard the service worker keeps as drawn, if any, does not show `code`."""


def _watch(context: BrowserContext, selector: str) -> None:
    context.add_init_script(f"({IN_THE_HTML})({json.dumps(selector)})")
    context.add_init_script(f"({PAINTED_BEFORE_THE_APP})({json.dumps(selector)})")


def _opened_again(context: BrowserContext, url: str) -> Page:
    """The app opened again: a new page, the service worker stopped as a phone stops it."""
    page = context.new_page()
    workers = context.new_cdp_session(page)
    workers.send("ServiceWorker.enable")
    workers.send("ServiceWorker.stopAllWorkers")
    workers.send("ServiceWorker.disable")
    page.goto(url)
    return page


def _kept(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible()
    wait_for_service_worker(page)
    wait_for_kept_screen(page)


@pytest.mark.parametrize(
    ("path", "ready", "text"),
    [("/", "main .card", "ต่ออายุใบอนุญาตขับรถ"), ("/#/signin", "main #national_id", "เข้าสู่ระบบ")],
    ids=["catalog", "sign-in"],
)
def test_the_app_opened_again_shows_the_screen_as_last_drawn_inside_its_html(
    context: BrowserContext, live_server: LiveServer, path: str, ready: str, text: str
) -> None:
    _watch(context, ready)
    _kept(context.new_page(), live_server.url + path, ready)

    page = _opened_again(context, live_server.url + path)
    expect(page.locator(ready).first).to_be_visible()
    assert page.evaluate("() => window.__inHtml") is True  # at the first paint, not after scripts
    # painted before the app's scripts even started: a slow phone's main thread paints first
    assert page.evaluate("() => window.__appAtFirstDraw") is False
    assert page.locator("link[rel=modulepreload][href$='/js/i18n.js']").count() == 0  # none kept
    expect(page.get_by_role("main")).to_contain_text(text)
    page.wait_for_function("() => window.__drawn === true")  # then its module draws it again


def test_a_search_typed_before_the_app_started_is_kept_and_searched(
    context: BrowserContext, live_server: LiveServer
) -> None:
    _watch(context, "main .card")
    _kept(context.new_page(), live_server.url, "main .card")
    context.add_init_script(f"({TYPE_BEFORE_THE_APP})()")

    page = _opened_again(context, live_server.url)
    expect(page.locator("#q")).to_have_value("ใบอนุญาตขับรถ")
    expect(page.locator("main .card")).to_have_count(1)
    expect(page.locator("main .card h2")).to_have_text("ต่ออายุใบอนุญาตขับรถ")


def _signed_in_dashboard(
    context: BrowserContext, live_server: LiveServer, cookies: list[dict[str, str]]
) -> str:
    """The dashboard of the citizen whose cookies these are, kept as drawn: its first code."""
    context.add_cookies(cookies)  # type: ignore[arg-type]
    _watch(context, "main li.card")
    page = context.new_page()
    _kept(page, live_server.url + "/#/dashboard", "main li.card")
    return page.locator("main .code").first.inner_text()


def test_the_dashboard_opens_again_inside_its_html(
    context: BrowserContext, live_server: LiveServer
) -> None:
    code = _signed_in_dashboard(context, live_server, signed_in_cookies(live_server))
    page = _opened_again(context, live_server.url + "/#/dashboard")
    expect(page.locator("main li.card").first).to_be_visible()
    assert page.evaluate("() => window.__inHtml") is True
    assert page.evaluate("() => window.__appAtFirstDraw") is False
    expect(page.locator("main .code").first).to_have_text(code)
    page.wait_for_function("() => window.__drawn === true")  # the app started after it


def test_after_signing_out_the_next_person_does_not_see_the_last_dashboard(
    context: BrowserContext, live_server: LiveServer
) -> None:
    code = _signed_in_dashboard(context, live_server, signed_in_cookies(live_server))
    page = context.pages[-1]
    page.goto(live_server.url + "/#/account")
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("ออกจากระบบแล้ว")
    kept = page.evaluate("async () => await caches.keys()")
    assert [name for name in kept if name.startswith("portal-screens-")] == []

    again = _opened_again(context, live_server.url + "/#/dashboard")
    expect(again.get_by_role("main").get_by_text("เข้าสู่ระบบ").first).to_be_visible()
    assert again.evaluate("() => window.__inHtml") is None  # no card, then or now
    assert code not in again.content()


def test_a_session_ended_elsewhere_takes_the_kept_dashboard_with_it(
    context: BrowserContext, live_server: LiveServer
) -> None:
    live_server.forget_rate_limits()
    with citizen(live_server, thai_id()) as api:
        cookies = applied(api, live_server)
        code = _signed_in_dashboard(context, live_server, cookies)
        api.call("POST", "/api/v1/auth/signout")  # "sign out" on the server, not on this phone

    page = _opened_again(context, live_server.url + "/#/dashboard")
    expect(page.get_by_role("main").get_by_text("เข้าสู่ระบบ").first).to_be_visible()
    eventually(page, KEPT_DASHBOARD_WITHOUT, code)  # forgotten, or kept as "sign in first"
    again = _opened_again(context, live_server.url + "/#/dashboard")
    expect(again.get_by_role("main").get_by_text("เข้าสู่ระบบ").first).to_be_visible()
    assert code not in again.content()
