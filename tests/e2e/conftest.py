"""Browser tests: a real `portal serve` subprocess and Debian's Chromium driven by Playwright.

The server runs on SQLite (the browser tests are about what a person sees; the API tests cover
both engines). Playwright cannot download browsers here, so it launches /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    sync_playwright,
)

from backend.settings import ROOT
from tests.support.live_server import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
    yield context
    context.close()


def logged_errors(page: Page, *, failed_loads: bool = False) -> list[str]:
    """The errors `page` logs from now on (filled as they come). With `failed_loads`,
    Chromium's "Failed to load resource" lines are expected (offline, 4xx, 5xx on purpose)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error"
            and not (failed_loads and msg.text.startswith("Failed to load resource"))
            else None
        ),
    )
    return errors


@pytest.fixture
def failed_loads_expected() -> bool:
    """Override with True in a module whose pages fail requests on purpose (offline, 4xx,
    5xx): Chromium's "Failed to load resource" lines are then not errors."""
    return False


@pytest.fixture
def page(context: BrowserContext, failed_loads_expected: bool) -> Iterator[Page]:
    page = context.new_page()
    errors = logged_errors(page, failed_loads=failed_loads_expected)
    yield page
    assert errors == [], f"the page logged errors: {errors}"


AXE_PREFIX = ROOT / ".tools" / "node"
NODE_TOOLS = (ROOT / "scripts" / "node-tools.txt").read_text().split()
"""axe-core and TypeScript, installed from npm into .tools/node (gitignored) together on first
use, as `make node-tools` does (and Lighthouse with them if it is there: an npm install
removes what it does not name)."""


def axe_path() -> Path:
    """axe.min.js, installed with npm on first use (`make node-tools` does the same)."""
    path = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        AXE_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_PREFIX),
                *NODE_TOOLS,
                *(
                    (ROOT / "scripts" / "node-lighthouse.txt").read_text().split()
                    if (AXE_PREFIX / "node_modules" / ".bin" / "lighthouse").exists()
                    else []
                ),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, to inject with `page.evaluate` (CDP is not bound by the CSP)."""
    return axe_path().read_text(encoding="utf-8")


def eventually(page: Page, check: str, arg: object = None, *, timeout_ms: int = 15_000) -> None:
    """Until the (async) JS function `check(arg)` is true. Playwright's wait_for_function
    does not await a promise: an async predicate counts as true at once, so it cannot wait
    for anything IndexedDB or Cache Storage says."""
    assert page.evaluate(
        f"""async ([arg, timeout]) => {{
            const check = {check};
            for (const end = Date.now() + timeout; Date.now() < end;) {{
                if (await check(arg)) return true;
                await new Promise((wake) => setTimeout(wake, 100));
            }}
            return false;
        }}""",
        [arg, timeout_ms],
    ), f"not true within {timeout_ms} ms: {check}"


def wait_for_service_worker(page: Page) -> None:
    """Until the service worker has installed, precached the shell and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)


def wait_until_quiet(page: Page) -> None:
    """Until no request (the page's or the service worker's) starts or ends for 600 ms.
    Not "networkidle": a response whose body nobody reads stays open."""
    events = [0]
    bump = lambda _: events.__setitem__(0, events[0] + 1)  # noqa: E731  # a listener, kept to remove it
    names = ("request", "requestfinished", "requestfailed", "response")
    for name in names:
        page.context.on(name, bump)
    try:
        seen = -1
        for _ in range(50):
            if events[0] == seen:
                break
            seen = events[0]
            page.wait_for_timeout(600)  # also lets a frame's layout shifts be reported
    finally:
        for name in names:
            page.context.remove_listener(name, bump)


KEYS = re.compile(
    r"(?<![\w.])(%s)(?![\w.])"  # noqa: UP031  # a regex built from the keys
    % "|".join(
        sorted(
            {
                re.escape(key)
                for path in (ROOT / "pwa" / "i18n").rglob("*.json")
                for key in json.loads(path.read_text())
            }
        )
    )
)
"""Every string key of every set: one seen on a screen is a word whose set was not loaded."""


def raw_keys(page: Page) -> list[str]:
    """The string keys the page shows as they are (instead of their words)."""
    return KEYS.findall(page.evaluate("() => document.body.innerText"))


def page_build(page: Page) -> str:
    """The build id the page runs (from its versioned `/v/<build>/js/app.js`)."""
    src = page.locator("script[src$='/js/app.js']").get_attribute("src") or ""
    found = re.match(r"/v/(\w+)/js/app\.js$", src)
    assert found, src
    return found.group(1)


def wait_for_data_copies(page: Page, count: int = 1) -> None:
    """Until the service worker keeps `count` API answers for offline reading."""
    eventually(
        page, "async (n) => (await (await caches.open('portal-data')).keys()).length >= n", count
    )


KEPT_SCREEN = """async () => {
    const name = (await caches.keys()).find((n) => n.startsWith('portal-screens-'));
    const [path] = location.hash.split('?');
    const screen = encodeURIComponent(path.length > 1 ? path : '#/');
    const key = `/__screen/${document.documentElement.lang}/${screen}`;
    return Boolean(name && (await (await caches.open(name)).match(key)));
}"""
"""The service worker keeps the screen on show, as drawn (sw.js's keepScreen)."""


def wait_for_kept_screen(page: Page) -> None:
    """Until the service worker keeps the screen on show as drawn, to serve it inside the shell
    when the app opens again (catalog, sign-in, dashboard)."""
    eventually(page, KEPT_SCREEN)


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A CDP virtual authenticator for `page`: a phone with a screen lock and passkey storage
    (resident keys, user verification). Returns the CDP session and the authenticator id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


def enrol_in_browser(
    page: Page, base_url: str, national_id: str, name: str = "สมหญิง ใจงาม", phone: str = ""
) -> None:
    """Create an account through the enrolment screen (Thai) with the page's authenticator;
    returns once the dashboard shows."""
    page.goto(f"{base_url}/#/enrol")
    # The sign-in screen has an ID field with the same label: wait for this screen's form.
    page.get_by_role("button", name="สร้างพาสคีย์และบัญชี").wait_for()
    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_label("ชื่อ-นามสกุล").fill(name)
    page.get_by_label("เบอร์โทรศัพท์ (ไม่บังคับ)").fill(phone)
    page.get_by_role("button", name="สร้างพาสคีย์และบัญชี").click()
    page.wait_for_url("**/#/dashboard")
    page.get_by_role("heading", level=1, name="คำขอของฉัน").wait_for()


def submit_form(page: Page) -> None:
    """Send the application form as a citizen does: check the answers, tick the declaration
    that they are true, confirm (issue 20: nothing goes without that step)."""
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    page.get_by_label("ข้าพเจ้าขอรับรองว่าข้อมูลและเอกสารข้างต้นเป็นความจริงทุกประการ").check()
    page.get_by_role("button", name="ยืนยันและยื่นคำขอ").click()


def upload_to_wallet(page: Page, document_type: str, label: str, body: bytes) -> dict[str, Any]:
    """Put a file in the signed-in citizen's wallet, as the wallet API takes it (raw body);
    the document the API answers."""
    result: dict[str, Any] = page.evaluate(
        """async ([type, label, bytes]) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const query = new URLSearchParams({ document_type: type, label });
            const response = await fetch(`/api/v1/documents?${query}`, { method: 'POST',
                body: new Uint8Array(bytes), headers: { 'x-csrf-token': csrf,
                'idempotency-key': crypto.randomUUID() } });
            return response.json();
        }""",
        [document_type, label, list(body)],
    )
    return result
