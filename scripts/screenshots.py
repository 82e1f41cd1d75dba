"""`make screenshots`: the README's pictures of the main screens (docs/screens/), as a citizen
sees them on a 360 px phone in Thai: a live portal with the demo data, a citizen enrolled with a
submitted application, headless Chromium. Run it again after changing a screen."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from scripts.size import VIEWPORT, launch
from tests.e2e.conftest import LiveServer
from tests.e2e.staff import signed_in_cookies

OUT = Path(__file__).resolve().parent.parent / "docs" / "screens"

SIGNED_OUT = {
    "catalog": ("/#/", "main .card"),
    "service": ("/#/services/change-health-unit", "main h1"),
    "signin": ("/#/signin", "main button"),
}
SIGNED_IN = {
    "dashboard": ("/#/dashboard", "main .card"),
    "application": ("/#/applications/{id}", "main h1"),
    "documents": ("/#/documents", "main h1"),
    "notifications": ("/#/notifications", "main h1"),
    "account": ("/#/account", "main h1"),
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    server = LiveServer(Path(tempfile.mkdtemp(prefix="portal-screens-")))
    server.start()
    try:
        cookies = signed_in_cookies(server)
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for signed_in, screens in ((False, SIGNED_OUT), (True, SIGNED_IN)):
                context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
                if signed_in:
                    context.add_cookies(cookies)  # type: ignore[arg-type]
                page = context.new_page()
                application = None
                for name, (path, ready) in screens.items():
                    if "{id}" in path:
                        page.goto(f"{server.url}/#/dashboard")
                        href = page.locator("main .card a").first.get_attribute("href") or ""
                        application = href.rsplit("/", 1)[-1]
                        path = path.format(id=application)
                    page.goto(f"{server.url}{path}")
                    page.locator(ready).first.wait_for(timeout=15_000)
                    page.wait_for_timeout(500)  # fonts and late answers settle
                    notice = page.locator("[data-module=notice] button")
                    if notice.count() and notice.first.is_visible():
                        notice.first.click()  # 'ready offline': once per phone, not the screen
                    target = OUT / f"{name}.png"
                    page.screenshot(path=str(target))
                    print(f"{target.relative_to(OUT.parent.parent)}: {target.stat().st_size:,} B")
                context.close()
            browser.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
