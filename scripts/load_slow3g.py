"""`make load`: how long a cheap phone on a weak link waits for a usable screen.

The whole link is slowed, the service worker's own requests included: the browser reaches the
portal through a relay (scripts/slowlink.py) that delays every byte by half the round trip each
way, adds a round trip for each new connection's handshake and paces all connections through
one shared link per direction. The page's CPU is slowed 4 times
(`Emulation.setCPUThrottlingRate`). Profiles: slow 3G (400 ms, 400 kbit/s) and 2G (800 ms, 250
kbit/s; first visits only).

Behind the relay is what a phone talks to in a deployment (scripts/tlsfront.py): nginx with TLS
1.3 and HTTP/2, as deploy/nginx.conf (Caddy does the same), in front of uvicorn; its handshake
crosses the slowed link like every other byte. `--front none` puts the browser straight at
uvicorn instead: HTTP/1.1, at most six connections, each with its own handshake.

For each screen, the time from starting the navigation until it is usable and painted: the
catalog's search box and first services are there; sign-in's passkey button and ID field; the
dashboard's applications (a screen the service worker serves inside the HTML, as last drawn, is
in the document before the first paint shows it: that paint counts). First visit: a new browser
profile (for the dashboard, one holding the session cookie of a citizen who enrolled and
applied through the API, as after signing in on a phone whose browser data was cleared). Repeat
visit: once the service worker has installed and the screen has kept its data, the app opened
again (the page closed, the worker stopped as a phone stops it when idle, a new page in the
same profile); "doc": when that page's document began, i.e. its first script could run (the
page committed and its script contexts made, which no code of the page can hasten; the shell's
HTML had arrived long before); "paint": when that page first painted anything (the shell's
HTML, with the screen as last drawn inside it); "reload": that page reloaded.

Also, per first visit: the round trips before the screen was usable (requests grouped into
waves: a request starting more than half a round trip after its wave began opens the next one:
the page and the service worker waiting on each other), the bytes that crossed the link until
then, and in all once the service worker has installed and kept its copies (what a new phone
downloads). Last, the floor: a one-line page whose service worker serves it from its cache,
opened again the same way (FLOOR_PAGE). Figures, not a test: the budgets (DESIGN.md, issue 16)
are printed beside them."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

from scripts.size import VIEWPORT, launch
from scripts.slowlink import OPEN, SLOW_3G, TWO_G, Profile, SlowLink, slow_link
from scripts.tlsfront import tls_front
from tests.e2e.conftest import LiveServer, eventually
from tests.e2e.staff import signed_in_cookies

CPU_SLOWDOWN = 4
SCREENS = {
    "catalog": ("/", ("main input[type=search]", "main .card")),
    "sign-in": ("/#/signin", ("main button", "#national_id")),
    "dashboard": ("/#/dashboard", ("main li.card",)),
}
"""Screen → (path, what must be on screen for it to be usable)."""
FLOOR = "floor"
FLOOR_SCREEN = ("/", ("main input[type=search]", "main .card"))
FLOOR_PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>บริการภาครัฐ</title>
<script>navigator.serviceWorker.register('/sw.js');</script></head><body><main>
<h1>บริการภาครัฐ</h1><input type="search"><ul><li class="card">ขอมีบัตรประจำตัวประชาชน</li></ul>
</main></body></html>"""
FLOOR_WORKER = """const on = (name, fn) => self.addEventListener(name, fn);
on('install', (e) => e.waitUntil(caches.open('c').then((c) => c.add('/'))));
on('activate', (e) => e.waitUntil(self.clients.claim()));
on('fetch', (e) => {
  if (e.request.mode !== 'navigate') return;
  e.respondWith(caches.match('/').then((r) => r || fetch(e.request)));
});"""
"""The floor under "opened again" on this machine: a one-line page (a heading, a search box and
one card, in Thai) that its service worker serves from its cache, opened again as the screens
are. No screen can open faster; how far the screens are above it is what the app costs."""

BUDGETS = {"slow 3G": (2.5, 0.3), "2G": (5.0, None)}
"""Profile → (first visit, repeat visit) in seconds (DESIGN.md)."""

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
TIMELINE = """(usableAt) => {
    const rows = [performance.getEntriesByType('navigation')[0],
                  ...performance.getEntriesByType('resource')];
    const ms = (t) => Math.round(t);
    return [...rows.filter((e) => e.startTime < usableAt - performance.timeOrigin).map((e) =>
        `${String(ms(e.startTime)).padStart(5)} ` +
        `conn ${String(ms(e.connectEnd - e.connectStart)).padStart(4)} ` +
        `sent ${String(ms(e.requestStart)).padStart(5)} ` +
        `first byte ${String(ms(e.responseStart)).padStart(5)} ` +
        `end ${String(ms(e.responseEnd)).padStart(5)} ` +
        `${String(e.transferSize).padStart(6)} B ` +
        `${new URL(e.name).pathname.replace(/^\\/v\\/\\w+\\//, '')}${new URL(e.name).search}`),
        `usable at ${ms(usableAt - performance.timeOrigin)} ms`];
}"""
"""Resource Timing of the page's requests until it was usable, one line each."""
KEPT_CATALOG = "async () => (await (await caches.open('portal-data')).keys()).length > 0"


@dataclass
class Visit:
    seconds: float
    round_trips: int = 0
    bytes_until_usable: int = 0
    bytes_in_all: int = 0
    """First visit: everything down and up until the service worker installed and kept copies."""
    waves: list[list[str]] = field(default_factory=list)
    reload_seconds: float = 0.0
    """Repeat visit: the same page reloaded, beside `seconds` for the app opened again."""
    document_start: float = 0.0
    """Repeat visit: when the opened-again page's document began (WATCH_USABLE ran)."""
    first_paint: float = 0.0
    """Repeat visit: when the opened-again page first painted anything (the shell's own HTML):
    how near `seconds` can come without drawing the screen into the HTML itself."""
    timeline: list[str] = field(default_factory=list)
    """The page's own requests (Resource Timing) until usable: when each began, waited for a
    connection, went up and came down, in ms from the navigation's start."""


def waves(requests: list[tuple[float, Request]], until: float, rtt_s: float) -> list[list[str]]:
    """The requests (seen at `time.time()`) made before `until`, in waves (see above)."""
    starts = sorted(
        (at, ("sw " if r.service_worker else "") + (r.url.split("/", 3)[3][:60] or "/"))
        for at, r in requests
        if at < until and not r.url.startswith("data:")
    )
    grouped: list[list[str]] = []
    wave_start = -1e18
    for at, path in starts:
        if at - wave_start > rtt_s / 2:
            grouped.append([])
            wave_start = at
        grouped[-1].append(path)
    return grouped


def throttle_cpu(page: Page) -> None:
    page.context.new_cdp_session(page).send(
        "Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN}
    )


def opened_again(context: BrowserContext) -> Page:
    """A new page of the app's profile, its service worker stopped first (a phone stops it
    when idle) and its CPU slowed: ready to open the app again."""
    page = context.new_page()
    workers = context.new_cdp_session(page)
    for method in ("enable", "stopAllWorkers", "disable"):
        workers.send(f"ServiceWorker.{method}")
    throttle_cpu(page)
    return page


WATCH_USABLE = """((ready) => {
    globalThis.portalDocumentAt = performance.now();
    const look = () => {
        if (ready.every((s) => document.querySelector(s))) globalThis.portalUsableAt = Date.now();
        else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
})(%s);"""
"""The page notes when its screen shows it all (each frame, as Playwright's own polling would).
Written into every page of the context before its scripts: waiting with Playwright's
`wait_for_function` would first load Playwright's injected script (~50 ms of a 4× slower main
thread) into the page being timed."""


PAINTED_AT = """(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return paint ? performance.timeOrigin + paint.startTime : 0;
})()"""
"""When the page first painted (ms since the epoch), or 0 while it has not."""


def usable(page: Page) -> float:
    """When (`time.time()`, by the page's clock: the same machine's) the screen showed it all
    (WATCH_USABLE) and had painted: a screen that comes inside the HTML is in the document
    before the first paint shows it. Asked over a bare DevTools session: nothing is loaded
    into the page."""
    devtools = page.context.new_cdp_session(page)

    def ask(expression: str) -> float:
        asked = {"expression": expression, "returnByValue": True}
        return float(devtools.send("Runtime.evaluate", asked)["result"].get("value", 0)) / 1000

    try:
        for _ in range(120_000 // 20):
            at = ask("globalThis.portalUsableAt || 0")
            painted = ask(PAINTED_AT)
            if at and painted:
                return max(at, painted)
            time.sleep(0.02)
    finally:
        devtools.detach()
    raise TimeoutError(f"{page.url}: not usable in 2 minutes")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def floor_site() -> Iterator[int]:
    """Serve FLOOR_PAGE and its worker on a free port (yielded) while in the block."""
    directory = Path(tempfile.mkdtemp(prefix="portal-floor-"))
    (directory / "index.html").write_text(FLOOR_PAGE)
    (directory / "sw.js").write_text(FLOOR_WORKER)
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def reach(stack: contextlib.ExitStack, port: int, front: str) -> tuple[SlowLink, list[str]]:
    """The slowed link to a server on `port` (through nginx with TLS, or straight), and the
    browser's arguments for it (the front's certificate trusted)."""
    if front == "tls":
        tls = stack.enter_context(tls_front(port))
        os.environ["SSL_CERT_FILE"] = str(tls.cert)  # the set-up's own requests trust it
        return stack.enter_context(slow_link(tls.port, "https")), tls.chromium_args()
    return stack.enter_context(slow_link(port)), []


def quiet(link: SlowLink, seconds: float = 1.5) -> None:
    """Until nothing has crossed the link for `seconds` (at most a minute)."""
    last = (-1, -1)
    for _ in range(int(60 / seconds)):
        now = (link.down.bytes, link.up.bytes)
        if now == last:
            return
        last = now
        time.sleep(seconds)


def visit(
    browser: Browser,
    link: SlowLink,
    profile: Profile,
    screen: str,
    cookies: list[dict[str, str]],
    repeat: bool,
) -> tuple[Visit, Visit | None]:
    path, ready = FLOOR_SCREEN if screen == FLOOR else SCREENS[screen]
    context: BrowserContext = browser.new_context(viewport=VIEWPORT, locale="th-TH")
    try:
        if screen == "dashboard":
            context.add_cookies(cookies)  # type: ignore[arg-type]
        requests: list[tuple[float, Request]] = []
        context.on("request", lambda request: requests.append((time.time(), request)))
        context.add_init_script(WATCH_USABLE % json.dumps(list(ready)))
        page = context.new_page()
        throttle_cpu(page)
        link.profile = profile
        link.reset_counts()
        started = time.time()
        page.goto(link.url + path, wait_until="commit")
        ready_at = usable(page)
        first = Visit(ready_at - started)
        first.bytes_until_usable = sum(link.reset_counts()[:2])
        first.waves = waves(requests, ready_at, profile.rtt_s)
        first.round_trips = len(first.waves)
        first.timeline = page.evaluate(TIMELINE, ready_at * 1000)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=120_000)
        eventually(
            page,
            KEPT_DASHBOARD
            if screen == "dashboard"
            else KEPT_CATALOG
            if screen == "catalog"
            else "async () => true",
            timeout_ms=120_000,
        )
        quiet(link)
        first.bytes_in_all = first.bytes_until_usable + sum(link.reset_counts()[:2])
        if not repeat:
            return first, None
        # The app opened again later: the page closed, its service worker stopped (a phone
        # stops it when idle), a new page in the same profile.
        page.close()
        page = opened_again(context)
        started = time.time()
        page.goto(link.url + path, wait_until="commit")
        again_at = usable(page)
        again = Visit(again_at - started)
        again.timeline = page.evaluate(TIMELINE, again_at * 1000)
        again.document_start, again.first_paint = (
            ms / 1000
            for ms in page.evaluate(
                """() => [globalThis.portalDocumentAt,
                    performance.getEntriesByName('first-contentful-paint')[0]?.startTime || 0]"""
            )
        )
        quiet(link)
        again.bytes_in_all = sum(link.reset_counts()[:2])
        # And reloaded where it is (the page torn down and built again in the same tab).
        started = time.time()
        page.reload(wait_until="commit")
        again.reload_seconds = usable(page) - started
        quiet(link)
        link.reset_counts()
        return first, again
    finally:
        link.profile = OPEN
        context.close()


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="visits per screen (median)")
    parser.add_argument("--pwa", help="serve this pwa/ directory (e.g. another checkout's)")
    parser.add_argument("--waves", action="store_true", help="list each first visit's requests")
    parser.add_argument(
        "--timeline", action="store_true", help="each first visit's requests, timed (the first run)"
    )
    parser.add_argument(
        "--screen", action="append", choices=SCREENS, help="only this screen (repeatable)"
    )
    parser.add_argument("--slow-3g-only", action="store_true", help="leave out the 2G visits")
    parser.add_argument(
        "--no-floor", action="store_true", help="leave out the one-line page (the floor)"
    )
    parser.add_argument(
        "--front",
        choices=("tls", "none"),
        default="tls",
        help="tls: through nginx with TLS and HTTP/2, as deploy/ serves phones (default); "
        "none: the browser straight at uvicorn (HTTP/1.1, six connections)",
    )
    args = parser.parse_args()
    screens = args.screen or list(SCREENS)
    profiles = (SLOW_3G,) if args.slow_3g_only else (SLOW_3G, TWO_G)

    server = LiveServer(Path(tempfile.mkdtemp(prefix="portal-load-")))
    if args.pwa:
        server.env["PWA_DIR"] = str(Path(args.pwa).resolve())
    results: dict[tuple[str, str], list[tuple[Visit, Visit | None]]] = {}
    with contextlib.ExitStack() as stack:
        link, browser_args = reach(stack, server.port, args.front)
        # Everything, set-up included, reaches the server through the relay (its origin).
        server.url = server.env["PUBLIC_ORIGIN"] = link.url
        server.start()
        try:
            cookies = signed_in_cookies(server)
            with sync_playwright() as playwright:
                browser = launch(playwright, browser_args)
                for profile in profiles:
                    for screen in screens:
                        results[profile.name, screen] = [
                            visit(browser, link, profile, screen, cookies, profile is SLOW_3G)
                            for _ in range(args.runs)
                        ]
                browser.close()
        finally:
            server.stop()
    if not args.no_floor:
        with contextlib.ExitStack() as stack:
            link, browser_args = reach(stack, stack.enter_context(floor_site()), args.front)
            with sync_playwright() as playwright:
                browser = launch(playwright, browser_args)
                results[SLOW_3G.name, FLOOR] = [
                    visit(browser, link, SLOW_3G, FLOOR, [], True) for _ in range(args.runs)
                ]
                browser.close()

    via = (
        "nginx, TLS 1.3 and HTTP/2 (deploy/nginx.conf)"
        if args.front == "tls"
        else "uvicorn directly, HTTP/1.1"
    )
    print(
        f"Whole link slowed by a relay (service worker included), CPU ÷{CPU_SLOWDOWN}, "
        f"headless Chromium, median of {args.runs}; the relay reaches {via}"
    )
    for profile in profiles:
        first_budget, repeat_budget = BUDGETS[profile.name]
        print(f"\n{profile.describe()}")
        print(
            f"  {'screen':<10}{'first visit':>12}{'round trips':>13}{'until usable':>14}"
            f"{'in all':>10}{'repeat':>9}{'doc':>7}{'paint':>8}{'reload':>9}"
        )
        for screen in [*screens, FLOOR]:
            if (profile.name, screen) not in results:
                continue
            runs = results[profile.name, screen]
            firsts = [f for f, _ in runs]
            first = statistics.median(f.seconds for f in firsts)
            trips = statistics.median(f.round_trips for f in firsts)
            until = statistics.median(f.bytes_until_usable for f in firsts)
            in_all = statistics.median(f.bytes_in_all for f in firsts)
            repeats = [r for _, r in runs if r]
            repeat = (
                f"{statistics.median(r.seconds for r in repeats):7.2f} s"
                f"{statistics.median(r.document_start for r in repeats):5.2f} s"
                f"{statistics.median(r.first_paint for r in repeats):6.2f} s"
                f"{statistics.median(r.reload_seconds for r in repeats):7.2f} s"
                if repeats
                else f"{'—':>9}{'—':>7}{'—':>8}{'—':>9}"
            )
            print(
                f"  {screen:<10}{first:>10.2f} s{trips:>13.0f}{kb(until):>14}{kb(in_all):>10}"
                f"{repeat}"
            )
            if args.waves:
                for number, wave in enumerate(firsts[0].waves, 1):
                    print(f"      {number}. {' '.join(wave)}")
            if args.timeline:
                for line in firsts[0].timeline:
                    print(f"      {line}")
                if runs[0][1]:
                    print("      repeat visit:")
                    for line in runs[0][1].timeline:
                        print(f"      {line}")
        if (profile.name, FLOOR) in results:
            print(
                f"  {FLOOR}: a one-line page its service worker serves from its cache, opened "
                "again as the screens are: no screen opens faster on this machine"
            )
        budget = f"first visit ≤ {first_budget} s"
        if repeat_budget:
            budget += f", repeat ≤ {repeat_budget} s"
        print(f"  budget: {budget}; bytes both ways, headers included")
    return 0


if __name__ == "__main__":
    sys.exit(main())
