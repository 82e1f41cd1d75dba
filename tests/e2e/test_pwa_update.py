"""A new deploy never swaps code under the citizen: the new service worker waits, the page
offers "a new version is available — reload", and only then does the new build take over."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from backend.settings import ROOT
from tests.e2e.conftest import (
    LiveServer,
    eventually,
    page_build,
    wait_for_kept_screen,
    wait_for_service_worker,
    wait_until_quiet,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def deployable(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    """A server of its own, serving a copy of pwa/ (PWA_DIR) that the test may change."""
    pwa = tmp_path / "pwa"
    shutil.copytree(ROOT / "pwa", pwa)
    (tmp_path / "var").mkdir()
    server = LiveServer(tmp_path / "var")
    server.env["PWA_DIR"] = str(pwa)
    server.start()
    yield server, pwa
    server.stop()


def test_update_prompt_appears_after_a_deploy(
    page: Page, deployable: tuple[LiveServer, Path]
) -> None:
    server, pwa = deployable
    page.goto(server.url)
    expect(page.locator(".card")).to_have_count(10)
    wait_for_service_worker(page)
    old = page_build(page)
    # The worker, once in control, has the page ask again for what it read (pwa.js
    # keepCopies): a request still on its way when the server stops fails in the console.
    wait_until_quiet(page)

    # Deploy: same origin (same port), one changed file, so a new build id and a new sw.js.
    server.stop()
    with (pwa / "css" / "app.css").open("a", encoding="utf-8") as css:
        css.write("\n.card { border-width: 2px; }\n")
    server.start()

    page.reload()  # a navigation makes the browser check /sw.js
    notice = page.locator("[data-module=notice]")
    expect(notice).to_contain_text("มีเวอร์ชันใหม่", timeout=15_000)
    assert page_build(page) == old  # nothing swapped silently
    expect(page.locator(".card")).to_have_count(10)

    notice.get_by_role("button", name="โหลดใหม่").click()
    page.wait_for_function(
        "(old) => !document.querySelector('script[src$=\"/js/app.js\"]').src.includes(old)",
        arg=old,
    )
    new = page_build(page)
    assert new != old
    expect(page.locator(".card")).to_have_count(10)
    expect(notice).to_be_hidden()
    eventually(page, "async (old) => !(await caches.keys()).includes(`portal-shell-${old}`)", old)
    wait_for_kept_screen(page)  # the old build's drawing went with it; the new one keeps its own
    assert sorted(page.evaluate("() => caches.keys()")) == [
        "portal-data",
        f"portal-screens-{new}",
        f"portal-shell-{new}",
    ]
