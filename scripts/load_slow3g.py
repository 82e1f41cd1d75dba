"""`make load`: how long a cheap phone on a slow 3G link waits for a usable screen.

Chromium emulates the link through CDP (`Network.emulateNetworkConditions`: 400 ms round-trip
latency, 400 kbit/s down and up) and a CPU slowed 4 times (`Emulation.setCPUThrottlingRate`). The
figure is the time from starting the navigation until the screen is usable: for the catalog,
the search box is there and the first page of services is listed; for sign-in, the passkey
button and the ID field are there; for the dashboard, the citizen's applications are listed.

First visit: a new profile (for the dashboard: a new profile holding the session cookie of a
citizen who enrolled and applied through the API, as after signing in on a phone whose
browser data was cleared). Repeat visit: the same profile after the service worker
installed (and, for the dashboard, after the screen kept its copy).
Caveat: CDP emulation applies to the page's own requests. Requests the service worker makes
itself (the repeat visit's API revalidations) are not slowed, so the repeat figure leaves out
about one round trip (~0.4 s) for those small 304s. The shell itself comes from the service
worker's cache on a repeat visit, which no throttling affects.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, sync_playwright

from scripts.size import VIEWPORT, launch, start_server, wait_until_offline_ready
from tests.e2e.conftest import LiveServer, eventually
from tests.e2e.staff import citizen
from tests.support.applications import HEALTH_ANSWERS
from tests.support.flows import thai_id

LATENCY_MS = 400
THROUGHPUT_BYTES_S = 400_000 / 8
CPU_SLOWDOWN = 4
SCREENS = {
    "catalog": ("/", ("role=searchbox", ".card")),
    "sign-in": ("/#/signin", ("main button", "#national_id")),
}
"""Screen → (path, what must be on screen for it to be usable)."""
DASHBOARD = ("/#/dashboard", ("main li.card",))
RUNS = 3


def throttle(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": THROUGHPUT_BYTES_S,
            "uploadThroughput": THROUGHPUT_BYTES_S,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def timed(page: Page, url: str, ready: tuple[str, ...], reload: bool = False) -> float:
    started = time.perf_counter()
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto(url, wait_until="commit")
    for selector in ready:
        page.locator(selector).first.wait_for(timeout=120_000)
    return time.perf_counter() - started


def dashboard_runs(browser: Browser, server: LiveServer) -> tuple[list[float], list[float]]:
    """A citizen with an application, signed in over the API; their dashboard, cold and warm."""
    with citizen(server, thai_id()) as api:
        api.call(
            "POST",
            "/api/v1/applications",
            {"service": "change-health-unit", "answers": HEALTH_ANSWERS, "submit": True},
            **{"Idempotency-Key": "load-slow3g"},
        )
        cookies = [
            {"name": name, "value": value, "url": server.url}
            for name, value in api.http.cookies.items()
        ]
    path, ready = DASHBOARD
    firsts, repeats = [], []
    for _ in range(RUNS):
        context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        throttle(page)
        firsts.append(timed(page, server.url + path, ready))
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        eventually(page, KEPT_DASHBOARD, timeout_ms=60_000)
        repeats.append(timed(page, server.url + path, ready, reload=True))
        context.close()
    return firsts, repeats


KEPT_DASHBOARD = """async () => {
    const db = await new Promise((ok, fail) => {
        const open = indexedDB.open('portal');
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
    });
    const count = await new Promise((ok) => {
        const request = db.transaction('data').objectStore('data').count();
        request.onsuccess = () => ok(request.result);
        request.onerror = () => ok(0);
    });
    db.close();
    return count > 0;
}"""
"""The dashboard screen has kept its copy on the phone (IndexedDB)."""


def main() -> int:
    server = start_server()
    results: dict[str, tuple[list[float], list[float]]] = {}
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for screen, (path, ready) in SCREENS.items():
                firsts, repeats = [], []
                for _ in range(RUNS):
                    context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
                    page = context.new_page()
                    throttle(page)
                    firsts.append(timed(page, server.url + path, ready))
                    wait_until_offline_ready(page, copies=3 if screen == "catalog" else 0)
                    repeats.append(timed(page, server.url + path, ready, reload=True))
                    context.close()
                results[screen] = (firsts, repeats)
            results["dashboard"] = dashboard_runs(browser, server)
            browser.close()
    finally:
        server.stop()

    print(
        f"Slow 3G ({LATENCY_MS} ms latency, {THROUGHPUT_BYTES_S * 8 / 1000:.0f} kbit/s), "
        f"CPU ÷{CPU_SLOWDOWN}, headless Chromium, median of {RUNS}"
    )
    print(f"  {'screen':<10}{'first visit':>14}{'repeat visit':>15}")
    for screen, (firsts, repeats) in results.items():
        first, repeat = sorted(firsts)[RUNS // 2], sorted(repeats)[RUNS // 2]
        print(f"  {screen:<10}{first:>12.2f} s{repeat:>13.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
