"""`make lighthouse`: Lighthouse's mobile scores for the citizen's first screens.

Lighthouse (pinned in scripts/node-lighthouse.txt, installed into .tools/node by `make
lighthouse-tools`) runs Debian's Chromium headless with its default mobile preset (a Moto G
Power-sized screen, simulated slow 4G: 150 ms, 1.6 Mbit/s, CPU ÷4) on a fresh profile for each
page: `/` (the catalog), `/#/signin`, a service page and the signed-in dashboard (the session
cookie of a citizen who enrolled and applied through the API, sent as a header, as
scripts/load_slow3g.py does). For each it prints the performance, accessibility, best-practices
and SEO scores, the layout shift (CLS), the largest contentful paint (LCP) and the total
blocking time (TBT), and under it every audit that lost points. Medians of `--runs` runs.

Figures, not a test: the target (DESIGN.md, issue 16) is performance 100 and CLS 0 on a quiet
machine; on a shared one Lighthouse's simulation takes the slow CPU as the page's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.conftest import CHROMIUM
from tests.e2e.staff import signed_in_cookies
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / ".tools/node/node_modules/.bin/lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "CLS": ("cumulative-layout-shift", 1, "{:.3f}"),
    "LCP": ("largest-contentful-paint", 1000, "{:.2f} s"),
    "TBT": ("total-blocking-time", 1, "{:.0f} ms"),
}
"""Column → (audit, divisor of its numericValue, format)."""
PAGES = {
    "catalog": "/",
    "sign-in": "/#/signin",
    "service page": "/#/services/driving-licence-renewal",
    "dashboard": "/#/dashboard",
}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"


def signed_in_cookie(server: LiveServer) -> str:
    """A `Cookie` header for a citizen with an application, signed in over the API."""
    return "; ".join(f"{c['name']}={c['value']}" for c in signed_in_cookies(server))


def run(url: str, cookie: str | None, attempts: int = 3) -> dict[str, object]:
    """One Lighthouse report (its JSON) for `url`, trying again when Lighthouse fails to record
    its trace (NO_NAVSTART, now and then on a busy machine)."""
    for _ in range(attempts - 1):
        try:
            return run_once(url, cookie)
        except RuntimeError as error:
            print(f"  ({error}; again)", file=sys.stderr)
    return run_once(url, cookie)


def run_once(url: str, cookie: str | None) -> dict[str, object]:
    """One Lighthouse report (its JSON) for `url`."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    done = subprocess.run(  # noqa: S603  # our own pinned Lighthouse, arguments built here
        command,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode or not done.stdout.startswith("{"):
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-500:].strip()}")
    report: dict[str, object] = json.loads(done.stdout)
    return report


def lost_points(report: dict[str, object]) -> list[str]:
    """The audits that lost points in any category: `category: audit (score) value`."""
    audits: dict[str, dict[str, object]] = report["audits"]  # type: ignore[assignment]
    found = []
    for name, category in report["categories"].items():  # type: ignore[attr-defined]
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            score = audit.get("score")
            if ref["weight"] and isinstance(score, int | float) and score < 1:
                value = audit.get("displayValue") or ""
                found.append(f"{name}: {ref['id']} ({score:.2f}) {value}".rstrip())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median)")
    parser.add_argument("--pwa", help="serve this pwa/ directory (e.g. another checkout's)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: make lighthouse-tools", file=sys.stderr)
        return 2

    server = LiveServer(Path(tempfile.mkdtemp(prefix="portal-lighthouse-")))
    if args.pwa:
        server.env["PWA_DIR"] = str(Path(args.pwa).resolve())
    reports: dict[str, list[dict[str, object]]] = {}
    server.start()
    try:
        cookie = signed_in_cookie(server)
        for page, path in PAGES.items():
            reports[page] = [
                run(server.url + path, cookie if page == "dashboard" else None)
                for _ in range(args.runs)
            ]
    finally:
        server.stop()

    version = reports["catalog"][0]["lighthouseVersion"]
    print(
        f"Lighthouse {version}, mobile preset (simulated slow 4G, CPU ÷4), headless Chromium, "
        f"median of {args.runs}"
    )
    heads = ["perf", "a11y", "best", "SEO", *METRICS]
    print(f"  {'page':<14}" + "".join(f"{h:>10}" for h in heads))
    for page, runs in reports.items():
        cells = []
        for category in CATEGORIES:
            scores = [r["categories"][category]["score"] for r in runs]  # type: ignore[index]
            cells.append(f"{statistics.median(scores) * 100:.0f}")
        for audit, divisor, form in METRICS.values():
            values = [r["audits"][audit]["numericValue"] / divisor for r in runs]  # type: ignore[index]
            cells.append(form.format(statistics.median(values)))
        print(f"  {page:<14}" + "".join(f"{c:>10}" for c in cells))
        for line in lost_points(runs[0]):
            print(f"      {line}")
    print("  target: performance 100 and CLS 0 on a quiet machine (DESIGN.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
