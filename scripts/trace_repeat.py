"""Where the app opened again spends its time before the first paint: a Chromium trace of the
renderer's main thread (4x slower CPU, the whole link slowed as `make load` does) for each
screen asked and for `make load`'s one-line floor page, summed by kind of work (layout, text
shaping, parsing, scripts, style) up to the first contentful paint. Not a test: a tool for
the repeat-visit budget (issue 16).

    .venv/bin/python scripts/trace_repeat.py catalog sign-in dashboard
"""

from __future__ import annotations

import collections
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, sync_playwright

import scripts.load_slow3g as load

CATEGORIES = ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink"]
KINDS = ("Layout", "InlineNode::ShapeTextIncludingFirstLine", "ParseHTML", "EvaluateScript",
         "UpdateLayoutTree", "Paint", "PrePaint", "Commit", "v8.compileModule")  # fmt: skip


def traced(browser: Browser, link: Any, screen: str, cookies: list[Any], out: Path) -> float:
    """Visit `screen` once, then open it again (worker stopped, new page) while tracing."""
    path, ready = load.FLOOR_SCREEN if screen == load.FLOOR else load.SCREENS[screen]
    context = browser.new_context(viewport=load.VIEWPORT, locale="th-TH")
    try:
        if screen == "dashboard":
            context.add_cookies(cookies)
        context.add_init_script(load.WATCH_USABLE % json.dumps(list(ready)))
        page = context.new_page()
        load.throttle_cpu(page)
        link.profile = load.SLOW_3G
        page.goto(link.url + path, wait_until="commit")
        load.usable(page)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        kept = {"dashboard": load.KEPT_DASHBOARD, "catalog": load.KEPT_CATALOG}
        load.eventually(page, kept.get(screen, "async () => true"), timeout_ms=120_000)
        load.quiet(link)
        page.close()
        page = load.opened_again(context)
        browser.start_tracing(page=page, categories=CATEGORIES)
        started = time.time()
        page.goto(link.url + path, wait_until="commit")
        seconds = load.usable(page) - started
        time.sleep(0.3)
        out.write_bytes(browser.stop_tracing())
        return seconds
    finally:
        context.close()


def summary(trace: Path) -> str:
    events = json.loads(trace.read_text())["traceEvents"]
    paint = [e for e in events if e.get("name") == "firstContentfulPaint"][-1]
    main = [e for e in events if (e["pid"], e["tid"]) == (paint["pid"], paint["tid"])]
    start = min(e["ts"] for e in main if e.get("ph") == "X")
    before = [e for e in main if e.get("ph") == "X" and e["ts"] < paint["ts"]]
    busy = sum(e["dur"] for e in before if e["name"] == "ThreadControllerImpl::RunTask")
    spent: collections.Counter[str] = collections.Counter()
    for event in before:
        if event["name"] in KINDS:
            spent[event["name"]] += event["dur"]
    lines = [f"first paint {(paint['ts'] - start) / 1000:.0f} ms after the page's first task, "
             f"main thread busy {busy / 1000:.0f} ms of it"]  # fmt: skip
    lines += [f"    {name:42} {spent[name] / 1000:6.1f} ms" for name in KINDS if spent[name]]
    return "\n".join(lines)


def main() -> None:
    screens = sys.argv[1:] or list(load.SCREENS)
    out = Path(tempfile.mkdtemp(prefix="portal-trace-"))
    seconds: dict[str, float] = {}
    server = load.LiveServer(out / "server")
    with contextlib.ExitStack() as stack:
        link, args = load.reach(stack, server.port, "tls")
        server.url = server.env["PUBLIC_ORIGIN"] = link.url
        server.start()
        try:
            cookies = load.signed_in_cookies(server)
            with sync_playwright() as playwright:
                browser = load.launch(playwright, args)
                for screen in screens:
                    seconds[screen] = traced(browser, link, screen, cookies, out / f"{screen}.json")
                browser.close()
        finally:
            server.stop()
    with contextlib.ExitStack() as stack:
        link, args = load.reach(stack, stack.enter_context(load.floor_site()), "tls")
        with sync_playwright() as playwright:
            browser = load.launch(playwright, args)
            seconds[load.FLOOR] = traced(browser, link, load.FLOOR, [], out / "floor.json")
            browser.close()
    for screen, took in seconds.items():
        print(f"{screen}: opened again in {took:.2f} s; {summary(out / f'{screen}.json')}")
    print(f"traces (open in chrome://tracing or Perfetto): {out}")


if __name__ == "__main__":
    main()
