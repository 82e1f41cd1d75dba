"""WCAG 2.2 AA, checked by axe-core in Chromium on each screen, in Thai and in English; plus the
things axe cannot see: 320 px without sideways scrolling, 44 px targets, the skip link."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SCREENS = {
    "catalog": ("/#/", ".card"),
    "catalog-filtered": ("/#/?agency=SSO", ".card"),
    "service": ("/#/services/driving-licence-renewal", 'main a[href="#/"]'),
}


def _violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)  # via CDP, so the strict CSP needs no exception for tests
    found: dict[str, Any] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
            return { passes: result.passes.length, violations: result.violations.map((v) => (
                { id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })) };
        }""",
        AXE_TAGS,
    )
    assert found["passes"] > 10  # axe really looked
    violations: list[dict[str, Any]] = found["violations"]
    return violations


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_axe_finds_no_violations(
    page: Page, live_server: LiveServer, axe_source: str, screen: str, lang: str
) -> None:
    path, ready = SCREENS[screen]
    page.goto(live_server.url)
    if lang == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + path)
    expect(page.locator(ready).first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert _violations(page, axe_source) == []


def test_small_phone_landmarks_targets_and_skip_link(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url)
    expect(page.locator(".card")).to_have_count(10)
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    for role in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(role).first).to_be_attached()

    small = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, summary, .nav a')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)"""
    )
    assert small == []

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปยังเนื้อหา")
    expect(skip).to_be_focused()
    outline = skip.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_install_guidance_without_beforeinstallprompt(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url)
    expect(page.locator(".card").first).to_be_visible()
    # Headless Chromium never offers installation: no button, but the how-to is there.
    expect(page.locator("[data-module=install]")).to_be_hidden()
    help_ = page.locator("[data-module=install-help]")
    help_.get_by_text("วิธีติดตั้งแอปบนมือถือ").click()
    expect(help_).to_contain_text("เพิ่มไปยังหน้าจอโฮม")


def test_reduced_motion_is_respected(page: Page, live_server: LiveServer) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url)
    expect(page.locator(".card").first).to_be_visible()
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('.card')).transitionDuration"
    ) in {"0s", ""}
