"""`make size`: what the first view costs a new visitor, and what a repeat visit costs.

Starts the portal like the browser tests do (a `portal serve` subprocess on a temporary SQLite
database with the demo data), opens each first view (sign-in, the catalog at `/`, a service
page, enrolment) in headless Chromium as a new visitor and adds up the bytes transferred by type, as
DevTools counts them (`encodedDataLength`: response headers plus the compressed body; a
response from the HTTP cache or the service worker costs 0). The service worker's own traffic
(its script, its precache of the shell, keeping a copy of the first view's data) is part of
the first visit and is counted. Then, in the sign-in screen's browser profile:

- repeat visit (service worker installed): the shell must cost 0 bytes;
- sign up (a CDP virtual authenticator makes the passkey); the dashboard's first visit on a
  phone holding the session cookie but no data (reported: signed in, the service worker also
  keeps every screen); open the dashboard again; an unchanged
  dashboard revalidated with If-None-Match must answer 304 in ≤ 1 KB;
- sign out and sign in username-less with the button (autofill off, as in the browser tests):
  the round trips and bytes both ways from the click until the dashboard shows (reported, no
  budget; issue 3 asks for the figures).

Prints a table and exits 1 when a budget is exceeded. Budgets: DESIGN.md, issues 7 and 16.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, Request, sync_playwright

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    enrol_in_browser,
    eventually,
    virtual_authenticator,
)
from tests.support.flows import thai_id

FIRST_VISIT_BUDGET = 40 * 1024
FIRST_VISIT_JS_BUDGET = 20 * 1024
REPEAT_SHELL_BUDGET = 0
REVALIDATION_BUDGET = 1024

DASHBOARD_URL = "/api/v1/dashboard"
"""Revalidated unchanged on a repeat visit: the citizen's main read (ETag → 304)."""

SIGN_IN_BUTTON = "เข้าสู่ระบบด้วยพาสคีย์"
DASHBOARD_EMPTY = "ยังไม่มีคำขอ"
DASHBOARD_SEARCH = "ค้นหาตามชื่อบริการหรือรหัสติดตาม"
"""The dashboard's search box: drawn with its first list."""
"""What the dashboard shows once its data is in (the account has no applications)."""
NO_AUTOFILL = "PublicKeyCredential.isConditionalMediationAvailable = async () => false"
"""Without it the sign-in screen's autofill request takes the passkey before the click."""

FIRST_VIEWS = {
    "sign-in": ("/#/signin", "main button"),
    "catalog": ("/", ".card"),
    "service page": ("/#/services/id-card-replacement", "main a.button"),
    "enrol": ("/#/enrol", "main form button[type=submit]"),
}
"""First view → (path, a selector that shows it is usable). Each must fit the budget."""
COPIES = {"catalog": 1, "service page": 1}
"""API answers a first view keeps for offline reading (wait_until_offline_ready)."""

KINDS = ("html", "css", "js", "json", "other")
VIEWPORT = {"width": 360, "height": 740}


def kind_of(url: str, resource_type: str) -> str:
    path = url.split("?", 1)[0]
    if resource_type == "document" or path.endswith((".html", "/")):
        return "html"
    if path.endswith(".css"):
        return "css"
    if path.endswith(".js"):
        return "js"
    if "/api/" in path or path.endswith((".json", ".webmanifest")):
        return "json"
    return "other"


def wire_bytes(request: Request) -> tuple[int, int]:
    """(response headers, encoded body) as received from the network; (0, 0) from a cache."""
    response = request.response()
    if response is None or response.from_service_worker:
        return 0, 0
    sizes = request.sizes()
    headers, body = sizes["responseHeadersSize"], sizes["responseBodySize"]
    if body < 0:  # Playwright reports -headers for a response served from the HTTP cache
        return 0, 0
    conditional = {"if-none-match", "if-modified-since"} & request.all_headers().keys()
    if body == 0 and response.status == 200 and not conditional:
        # Chromium does not report the body of a service worker's own script: take its length.
        # (A revalidated copy also shows as 200 with no body: that one really cost 0.)
        body = int(response.headers.get("content-length", "0"))
    return headers, body


@dataclass
class Traffic:
    """Every request the browser context made (page and service worker), with its cost."""

    rows: list[tuple[str, str, int, bool]] = field(default_factory=list)
    """(kind, path, bytes, by the service worker)."""
    header_bytes: int = 0
    finished: list[Request] = field(default_factory=list)
    since_ms: float = 0
    """Leave out requests started before this (ms since the epoch): the end of earlier work."""
    until_ms: float = float("inf")
    """… and those started after this: work that follows what is measured."""
    revalidations: list[tuple[str, int, int]] = field(default_factory=list)
    """(path, status, bytes) of conditional requests that went over the network."""
    exchanges: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(method, path, bytes sent, bytes received) of each request that went over the network
    (not answered by the service worker or the HTTP cache): the round trips."""

    def record(self, request: Request) -> None:
        # Only keep it: asking the browser for sizes inside its event handler can race.
        self.finished.append(request)

    def settle(self) -> None:
        """Work out the cost of every finished request (call before the context closes)."""
        for request in self.finished:
            if self.since_ms <= request.timing["startTime"] < self.until_ms:
                self._add(request)
        self.finished.clear()

    def _add(self, request: Request) -> None:
        path = "/" + request.url.split("/", 3)[3]
        headers, body = wire_bytes(request)
        self.header_bytes += headers
        kind = kind_of(request.url, request.resource_type)
        self.rows.append((kind, path, headers + body, request.service_worker is not None))
        if headers:
            sizes = request.sizes()
            sent = max(0, sizes["requestHeadersSize"]) + max(0, sizes["requestBodySize"])
            self.exchanges.append((request.method, path, sent, headers + body))
        response = request.response()
        if response and headers and "if-none-match" in request.all_headers():
            self.revalidations.append((path, response.status, headers + body))

    def by_kind(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for kind, _, size, _ in self.rows:
            totals[kind] += size
        return {k: totals[k] for k in KINDS}

    def total(self) -> int:
        return sum(size for _, _, size, _ in self.rows)

    def shell_bytes(self) -> int:
        """Bytes for the app shell: the page, versioned assets, the manifest."""
        return sum(
            size
            for kind, path, size, _ in self.rows
            if kind in {"html", "css", "js"} or path.startswith("/v/")
            if not path.startswith("/sw.js")
        )


def start_server() -> LiveServer:
    server = LiveServer(Path(tempfile.mkdtemp(prefix="portal-size-")))
    server.start()
    return server


def launch(playwright: object, extra_args: Sequence[str] = ()) -> Browser:
    return playwright.chromium.launch(  # type: ignore[attr-defined, no-any-return]
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


def wait_until_offline_ready(page: Page, copies: int = 1) -> None:
    """Service worker installed and in control, first view's data (`copies` API answers: the
    catalog's is one) copied for offline use."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    eventually(
        page,
        "async (n) => (await (await caches.open('portal-data')).keys()).length >= n",
        copies,
        timeout_ms=30_000,
    )
    page.wait_for_load_state("networkidle")


def kb(n: int) -> str:
    return f"{n / 1024:6.1f} KB"


def wait_until_screens_kept(page: Page) -> None:
    """Signed in, the service worker keeps every screen (its LAZY list) for offline use."""
    source = page.evaluate("async () => (await fetch('/sw.js')).text()")
    lazy = json.loads(re.search(r"const LAZY = (\[.*?\]);", source).group(1))  # type: ignore[union-attr]
    eventually(
        page,
        "async (lazy) => (await Promise.all(lazy.map((url) => caches.match(url)))).every(Boolean)",
        lazy,
        timeout_ms=30_000,
    )
    page.wait_for_load_state("networkidle")


def first_visit(
    browser: Browser, url: str, ready: str, copies: int, cookies: Sequence[Any] = ()
) -> tuple[Traffic, Page]:
    """A new visitor opens `url` (with `cookies`: a phone that holds a session but no data);
    the traffic until the app is usable and ready offline."""
    context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
    if cookies:
        context.add_cookies(list(cookies))
    page = context.new_page()
    traffic = Traffic()
    context.on("requestfinished", traffic.record)
    page.goto(url)
    page.locator(ready).first.wait_for()
    wait_until_offline_ready(page, copies=copies)
    if cookies:
        wait_until_screens_kept(page)
    context.remove_listener("requestfinished", traffic.record)
    traffic.settle()
    return traffic, page


def measure(page: Page, work: Callable[[], object], *, started_during: bool = False) -> Traffic:
    """The traffic while `work` runs in this page's context, until the network is idle; with
    `started_during`, only the requests started before `work` returned."""
    traffic = Traffic(since_ms=time.time() * 1000)
    page.context.on("requestfinished", traffic.record)
    work()
    if started_during:
        traffic.until_ms = time.time() * 1000
    page.wait_for_load_state("networkidle")
    # A page already idle before `work` is "networkidle" at once, and the service worker's
    # requests finish later still: wait until nothing has finished for half a second.
    for _ in range(40):
        seen = len(traffic.finished)
        page.wait_for_timeout(500)
        if len(traffic.finished) == seen:
            break
    page.context.remove_listener("requestfinished", traffic.record)
    traffic.settle()
    return traffic


def report_first(name: str, path: str, first: Traffic, failures: list[str]) -> None:
    print(f"First visit to the {name} screen ({path}; new visitor, headless Chromium, 360 px)")
    print(f"  {'type':<6}{'transferred':>12}")
    for kind, size in first.by_kind().items():
        print(f"  {kind:<6}{kb(size):>12}")
    print(f"  {'total':<6}{kb(first.total()):>12}   budget {kb(FIRST_VISIT_BUDGET).strip()}")
    page_bytes = sum(s for _, _, s, by_sw in first.rows if not by_sw)
    print(f"  of which the page {kb(page_bytes).strip()}, the service worker (script, precache,")
    print(f"  copies for offline) {kb(first.total() - page_bytes).strip()}")
    print(f"  requests: {len(first.rows)}; response headers {kb(first.header_bytes).strip()} of it")
    js = first.by_kind()["js"]
    print(f"  JavaScript {kb(js).strip()} (budget {kb(FIRST_VISIT_JS_BUDGET).strip()})\n")
    if first.total() > FIRST_VISIT_BUDGET:
        failures.append(f"{name}: first visit {kb(first.total())} > {kb(FIRST_VISIT_BUDGET)}")
    if js > FIRST_VISIT_JS_BUDGET:
        failures.append(f"{name}: first-visit JS {js} B > {FIRST_VISIT_JS_BUDGET} B")


def sign_out(page: Page, base_url: str) -> None:
    """Sign out from the account screen (reloaded, so autofill is off from now on)."""
    page.add_init_script(NO_AUTOFILL)
    page.goto(f"{base_url}/#/account")
    page.reload()
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    page.get_by_role("button", name=SIGN_IN_BUTTON).wait_for()
    measure(page, lambda: None)  # the sign-out's own requests settle first


def report_sign_in(traffic: Traffic) -> None:
    print("\nSign-in, username-less, from the click until the dashboard shows")
    print("  (signed out first; same profile, service worker in control; autofill off)")
    for method, path, sent, received in traffic.exchanges:
        print(f"  {method:<5} {path:<40} sent {sent:>5} B  received {received:>5} B")
    sent = sum(e[2] for e in traffic.exchanges)
    received = sum(e[3] for e in traffic.exchanges)
    print(
        f"  {len(traffic.exchanges)} round trips; sent {sent} B, received {received} B, "
        f"total {kb(sent + received).strip()} (reported, no budget)"
    )


def main() -> int:
    server = start_server()
    failures: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            firsts = {}
            for name, (path, ready) in FIRST_VIEWS.items():
                firsts[name] = first_visit(browser, server.url + path, ready, COPIES.get(name, 0))
            page = firsts["sign-in"][1]

            repeat = measure(
                page, lambda: (page.reload(), page.locator("main button").first.wait_for())
            )

            virtual_authenticator(page)
            enrol_in_browser(page, server.url, thai_id())
            wait_until_screens_kept(page)
            # The dashboard's first visit: a phone whose browser data was cleared but which
            # still holds the session cookie (signed in, it also keeps every screen offline).
            signed_in_first, _ = first_visit(
                browser,
                server.url + "/#/dashboard",
                "main input[type=search]",
                0,
                page.context.cookies(),
            )
            dashboard = measure(
                page,
                lambda: (
                    page.reload(),
                    page.get_by_role("searchbox", name=DASHBOARD_SEARCH).wait_for(),
                ),
            )
            revalidation = measure(
                page,
                lambda: page.evaluate(
                    """async (url) => {
                        const first = await fetch(url, { cache: 'no-store' });
                        await first.arrayBuffer();
                        await fetch(url, { cache: 'no-store',
                            headers: { 'if-none-match': first.headers.get('etag') } });
                    }""",
                    DASHBOARD_URL,
                ),
            )
            sign_out(page, server.url)
            sign_in = measure(
                page,
                lambda: (
                    page.get_by_role("button", name=SIGN_IN_BUTTON).click(),
                    page.get_by_role("main").get_by_text(DASHBOARD_EMPTY).wait_for(),
                ),
                started_during=True,
            )
            browser.close()
    finally:
        server.stop()

    for name, (path, _) in FIRST_VIEWS.items():
        report_first(name, path, firsts[name][0], failures)

    print("The dashboard's first visit, signed in (reported, no budget: signed in, the phone")
    print("also keeps every screen for offline use)")
    for kind, size in signed_in_first.by_kind().items():
        print(f"  {kind:<6}{kb(size):>12}")
    page_bytes = sum(size for _, _, size, by_sw in signed_in_first.rows if not by_sw)
    total = kb(signed_in_first.total()).strip()
    print(f"  total {total}, of which the page {kb(page_bytes).strip()}")
    print(f"  JavaScript {kb(signed_in_first.by_kind()['js']).strip()}\n")

    shell = repeat.shell_bytes()
    print("Repeat visit to the sign-in screen (same profile, service worker in control)")
    print(f"  shell over the network: {shell} bytes (budget {REPEAT_SHELL_BUDGET})")
    print(f"  total {repeat.total()} B")
    if shell > REPEAT_SHELL_BUDGET:
        failures.append(f"repeat-visit shell {shell} B > {REPEAT_SHELL_BUDGET} B")

    print("\nRepeat visit to the dashboard, signed in (reload; the phone has its copy)")
    for kind, path, size, by_sw in dashboard.rows:
        if size:
            print(f"  {'sw ' if by_sw else 'page'} {kind:<5} {path:<45} {size:>6} B")
    print(f"  shell {dashboard.shell_bytes()} B, total {dashboard.total()} B")
    if dashboard.shell_bytes() > REPEAT_SHELL_BUDGET:
        failures.append(f"dashboard repeat-visit shell {dashboard.shell_bytes()} B")

    found = [(c, size) for path, c, size in revalidation.revalidations if path == DASHBOARD_URL]
    code, answer = found[-1] if found else (0, -1)
    print(f"\nUnchanged {DASHBOARD_URL} with If-None-Match: HTTP {code}, {answer} bytes")
    print(f"  (budget {REVALIDATION_BUDGET} B)")
    if code != 304 or not 0 < answer <= REVALIDATION_BUDGET:
        failures.append(f"revalidation: HTTP {code}, {answer} B")

    report_sign_in(sign_in)

    for failure in failures:
        print(f"OVER BUDGET: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
