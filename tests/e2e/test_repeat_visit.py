"""Repeat visits draw at once (issue 16, point 2): a screen whose data the phone has shows its
last copy without waiting for the link, says from when ("ข้อมูลเมื่อ 10:42"), and then shows
what the server answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import LiveServer, wait_for_data_copies, wait_for_service_worker

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
