"""The outbox (pwa/js/outbox.js) in a real browser: queued writes survive a reload, are sent in
order exactly once when the connection returns (from the page, or from the service worker's
Background Sync with no page open), and a refused one is kept for correction.

These tests answer the outbox's requests with Playwright's `context.route()`, which intercepts
the browser's own network layer (the page's and the service worker's requests alike), so each
answer (network error, 5xx, 409, 422) can be chosen. What is tested is the browser side:
IndexedDB, ordering, idempotency keys, the CSRF header and the status bar; the screens' tests
(test_apply_screens.py) submit through the outbox to the real endpoints.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, CDPSession, Page, Route, expect

from tests.e2e.conftest import LiveServer, wait_for_service_worker

pytestmark = pytest.mark.browser

ENDPOINT = "/api/v1/outbox-probe"


class FakeEndpoint:
    """Answers the outbox's POSTs as told: 'down' (network error), a status code, or 201."""

    def __init__(self, context: BrowserContext) -> None:
        self.answers: list[str | int] = []
        self.default: str | int = "down"
        self.received: list[dict[str, Any]] = []
        context.route(f"**{ENDPOINT}/*", self.handle)

    def handle(self, route: Route) -> None:
        answer = self.answers.pop(0) if self.answers else self.default
        if answer == "down":
            route.abort("internetdisconnected")
            return
        request = route.request
        self.received.append(
            {
                "url": request.url.rsplit("/", 1)[1],
                "body": json.loads(request.post_data or "null"),
                "key": request.headers.get("idempotency-key"),
                "csrf": request.headers.get("x-csrf-token"),
            }
        )
        body = {"code": "ok"} if answer == 201 else {"code": "invalid_field", "message": "fix me"}
        route.fulfill(status=int(answer), json=body)


@pytest.fixture
def failed_loads_expected() -> bool:
    """Chromium's "Failed to load resource" lines are expected here: the simulated network
    errors, 4xx and 5xx are the point of the test."""
    return True


def _outbox(page: Page, call: str, *args: Any) -> Any:
    """Call an export of outbox.js (from this build) in the page."""
    return page.evaluate(
        """async ([call, args]) => {
            const src = document.querySelector('script[src$="/js/app.js"]').src;
            const outbox = await import(src.replace('app.js', 'outbox.js'));
            return outbox[call](...args);
        }""",
        [call, list(args)],
    )


def _open(page: Page, context: BrowserContext, live_server: LiveServer) -> None:
    context.add_cookies([{"name": "portal_csrf", "value": "csrf-123", "url": live_server.url}])
    page.goto(live_server.url)
    expect(page.locator(".card").first).to_be_visible()
    wait_for_service_worker(page)


def test_queued_writes_survive_a_reload_and_are_sent_once_in_order(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    endpoint = FakeEndpoint(context)
    _open(page, context, live_server)
    status = page.locator("[data-module=status]")

    first = _outbox(page, "enqueue", {"url": f"{ENDPOINT}/a", "body": {"n": 1}})
    _outbox(page, "enqueue", {"url": f"{ENDPOINT}/b", "body": {"n": 2}})
    expect(status).to_contain_text("รอส่ง (2)")
    assert first["state"] == "waiting" and len(first["idempotencyKey"]) == 36

    endpoint.answers = [503]  # a server error also leaves the item waiting
    page.reload()  # the app replays on start: still failing, still queued
    for _ in range(200):  # until that replay has been answered (else it would count below)
        if endpoint.received:
            break
        page.wait_for_timeout(50)
    assert [r["url"] for r in endpoint.received] == ["a"]
    expect(status).to_contain_text("รอส่ง (2)")

    endpoint.default = 201
    endpoint.received.clear()
    page.evaluate("() => dispatchEvent(new Event('online'))")
    expect(status).to_be_hidden()
    assert [r["url"] for r in endpoint.received] == ["a", "b"]
    assert [r["body"] for r in endpoint.received] == [{"n": 1}, {"n": 2}]
    assert endpoint.received[0]["key"] == first["idempotencyKey"]
    assert endpoint.received[0]["key"] != endpoint.received[1]["key"]
    assert {r["csrf"] for r in endpoint.received} == {"csrf-123"}
    assert _outbox(page, "list") == []


def test_a_refused_write_stays_at_the_front_for_correction(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    endpoint = FakeEndpoint(context)
    _open(page, context, live_server)
    status = page.locator("[data-module=status]")

    endpoint.answers = [422]
    refused = _outbox(page, "enqueue", {"url": f"{ENDPOINT}/a", "body": {"n": 0}})
    _outbox(page, "enqueue", {"url": f"{ENDPOINT}/b", "body": {"n": 2}})
    expect(status).to_contain_text("ส่งไม่สำเร็จ ต้องแก้ไข (1)")
    expect(status).to_contain_text("รอส่ง (1)")
    items = _outbox(page, "list")
    assert [i["state"] for i in items] == ["failed", "waiting"]
    assert items[0]["error"] == {"status": 422, "code": "invalid_field", "message": "fix me"}
    assert [r["url"] for r in endpoint.received] == ["a"]  # b waits behind the refused item

    endpoint.default = 201
    _outbox(page, "retry", refused["id"], {"n": 1})
    expect(status).to_be_hidden()
    assert [(r["url"], r["body"]) for r in endpoint.received] == [
        ("a", {"n": 0}),
        ("a", {"n": 1}),
        ("b", {"n": 2}),
    ]
    assert endpoint.received[0]["key"] == endpoint.received[1]["key"]  # same write, same key


def test_a_conflict_is_kept_too_and_can_be_discarded(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    endpoint = FakeEndpoint(context)
    _open(page, context, live_server)
    endpoint.answers = [409]
    item = _outbox(page, "enqueue", {"url": f"{ENDPOINT}/a", "body": {"n": 1}})
    expect(page.locator("[data-module=status]")).to_have_text("ส่งไม่สำเร็จ ต้องแก้ไข (1)")
    assert _outbox(page, "list")[0]["state"] == "failed"
    _outbox(page, "discard", item["id"])
    expect(page.locator("[data-module=status]")).to_be_hidden()
    assert _outbox(page, "list") == []


def _dispatch_sync(cdp: CDPSession, registration_id: str, origin: str) -> None:
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": origin, "registrationId": registration_id, "tag": "outbox", "lastChance": False},
    )


def test_background_sync_sends_the_queue_with_no_page_open(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    """The service worker's `sync` handler replays the outbox on its own: the citizen queued
    writes, closed the app, and the browser woke the worker when the network came back."""
    endpoint = FakeEndpoint(context)
    _open(page, context, live_server)
    _outbox(page, "enqueue", {"url": f"{ENDPOINT}/a", "body": {"n": 1}})
    _outbox(page, "enqueue", {"url": f"{ENDPOINT}/b", "body": {"n": 2}})
    assert [i["state"] for i in _outbox(page, "list")] == ["waiting", "waiting"]
    assert page.evaluate(
        "async () => (await (await navigator.serviceWorker.ready).sync.getTags())"
    ) == ["outbox"]

    # No page of the app is open any more, only the (idle) service worker is registered.
    blank = context.new_page()
    page.close()
    cdp = context.new_cdp_session(blank)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(
        r for r in e["registrations"] if r["scopeURL"] == f"{live_server.url}/"
    ))  # fmt: skip
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the registration event comes after enable's answer, in its time
        if registrations:
            break
        blank.wait_for_timeout(100)
    assert registrations, "the service worker is registered"
    registration_id = registrations[-1]["registrationId"]

    _dispatch_sync(cdp, registration_id, live_server.url)  # the server still unreachable
    blank.wait_for_timeout(500)
    assert endpoint.received == []

    endpoint.default = 201  # the connection is back: the browser fires `sync` again
    _dispatch_sync(cdp, registration_id, live_server.url)
    for _ in range(50):
        if len(endpoint.received) == 2:
            break
        blank.wait_for_timeout(100)
    assert [(r["url"], r["body"]) for r in endpoint.received] == [("a", {"n": 1}), ("b", {"n": 2})]
    # Read in the worker from the Cookie Store, since it has no `document.cookie`.
    assert {r["csrf"] for r in endpoint.received} == {"csrf-123"}
    assert endpoint.received[0]["key"] != endpoint.received[1]["key"]

    again = context.new_page()
    again.goto(live_server.url)
    expect(again.locator(".card").first).to_be_visible()
    assert _outbox(again, "list") == []
    expect(again.locator("[data-module=status]")).to_be_hidden()
