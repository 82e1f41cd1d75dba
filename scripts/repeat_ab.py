"""The app opened again, for two or more copies of `pwa/` side by side, visits interleaved.

`make load` takes a median of 3 per screen; on these shared VMs one screen opened again moves
by 0.1 to 0.2 s between runs, more than most changes to the page. To tell a change from noise,
this serves each copy (`PWA_DIR`) from its own portal behind its own slowed link, then takes
turns: one visit of the first copy, one of the second, and so on, `--runs` times (each the same
visit as `make load`'s: first visit, worker installed, worker stopped, opened again), and
prints each copy's median and spread. Not a test: a tool for the repeat-visit budget (issue 16).

    .venv/bin/python scripts/repeat_ab.py --screen catalog --runs 12 /tmp/pwa-before pwa
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

import scripts.load_slow3g as load
from scripts.size import launch
from scripts.slowlink import SLOW_3G
from tests.e2e.staff import signed_in_cookies
from tests.support.live_server import LiveServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pwa", nargs="+", help="pwa/ directories (e.g. a copy of main's, and pwa)")
    parser.add_argument("--screen", choices=load.SCREENS, default="catalog")
    parser.add_argument("--runs", type=int, default=10, help="visits of each copy")
    args = parser.parse_args()
    again: dict[str, list[tuple[float, float, float]]] = {d: [] for d in args.pwa}
    with contextlib.ExitStack() as stack:
        copies = []
        for directory in args.pwa:
            server = LiveServer(Path(tempfile.mkdtemp(prefix="portal-ab-")))
            server.env["PWA_DIR"] = str(Path(directory).resolve())
            link, browser_args = load.reach(stack, server.port, "tls")
            server.url = server.env["PUBLIC_ORIGIN"] = link.url
            server.start()
            stack.callback(server.stop)
            cookies = signed_in_cookies(server) if args.screen == "dashboard" else []
            copies.append((directory, link, browser_args, cookies))
        with sync_playwright() as playwright:
            browsers = {d: launch(playwright, a) for d, _, a, _ in copies}
            for run in range(args.runs):
                for directory, link, _, cookies in copies:
                    _, visit = load.visit(
                        browsers[directory], link, SLOW_3G, args.screen, cookies, True
                    )
                    assert visit is not None
                    seen = (visit.seconds, visit.document_start, getattr(visit, "first_paint", 0.0))
                    again[directory].append(seen)
                    print(f"{run + 1:3} {directory:30} " + " ".join(f"{s:5.2f}" for s in seen))
    print(f"\n{args.screen} opened again, slow 3G, CPU ÷{load.CPU_SLOWDOWN}, {args.runs} runs each")
    print(f"  {'pwa':30} {'median':>8} {'doc':>6} {'paint':>6}  spread")
    for directory, visits in again.items():
        median = [statistics.median(v[i] for v in visits) for i in range(3)]
        low, high = min(v[0] for v in visits), max(v[0] for v in visits)
        print(
            f"  {directory:30} {median[0]:6.3f} s {median[1]:5.2f} {median[2]:6.2f}  "
            f"{low:.2f}–{high:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
