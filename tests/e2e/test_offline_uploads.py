"""Documents uploaded offline, in a real browser against a real server: a file picked without
signal waits in the outbox (IndexedDB) with the application that uses it, survives closing the
browser, and both are sent once, in order, when the connection returns; a file the server
refuses comes back to the form for another, and the application waits until then."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Playwright, expect

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    enrol_in_browser,
    logged_errors,
    virtual_authenticator,
    wait_for_service_worker,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser

SERVICE = "passport-renewal"
FIELD = "หน้าข้อมูลหนังสือเดินทางเดิม"
PDF = b"%PDF-1.4\n" + b"1 0 obj <<>> endobj\n" * 200 + b"trailer <<>>\n%%EOF\n"
# A PNG header that passes the phone's check (its signature) but not the server's: 20,000
# pixels a side is more than MAX_IMAGE_SIDE (backend/documents/sniff.py).
HUGE_PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    + b"\0" * 64
)


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """Offline fetches and refusals make Chromium log "Failed to load resource": expected."""
    page = context.new_page()
    errors = logged_errors(page, failed_loads=True)
    yield page
    assert errors == [], f"the page logged errors: {errors}"


def _persistent(playwright: Playwright, profile: Path) -> BrowserContext:
    """A browser with a profile on disk: what the phone keeps survives closing it."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
        locale="th-TH",
    )


def _ready_offline(page: Page) -> None:
    """The service worker keeps the service's form and the upload code for offline use."""
    wait_for_service_worker(page)
    page.wait_for_function(
        """async (slug) => {
            const src = document.querySelector('script[type=module]').src;
            return Boolean(await caches.match(`/api/v1/services/${slug}`))
                && Boolean(await caches.match(src.replace('app.js', 'upload.js')));
        }""",
        arg=SERVICE,
        polling=250,
    )


def _fill_form(page: Page) -> None:
    page.get_by_label("เลขหนังสือเดินทางเดิม").fill("AB1234567")
    page.get_by_label("10 ปี").check()


def _pick(page: Page, name: str, content: bytes, mime: str = "application/pdf") -> Locator:
    group = page.get_by_role("group", name=FIELD)
    group.get_by_label("อัปโหลดเอกสารใหม่").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    return group


def _documents(live_server: LiveServer, national_id: str) -> list[Any]:
    return live_server.sql(
        "SELECT d.id, d.label, d.size_bytes FROM document d JOIN account c ON c.id = d.account "
        "WHERE c.national_id = ?",
        national_id,
    )


def _applications(live_server: LiveServer, national_id: str) -> list[Any]:
    return live_server.sql(
        "SELECT a.status, a.answers FROM application a JOIN account c ON c.id = a.account "
        "JOIN service s ON s.id = a.service WHERE c.national_id = ? AND s.slug = ?",
        national_id,
        SERVICE,
    )


def test_a_document_picked_offline_waits_with_its_application_and_both_are_sent_once(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path, axe_source: str
) -> None:
    national_id = thai_id()
    context = _persistent(playwright, tmp_path / "profile")
    try:
        page = context.pages[0] if context.pages else context.new_page()
        virtual_authenticator(page)
        enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
        page.goto(f"{live_server.url}/#/services/{SERVICE}/apply")
        _fill_form(page)
        _ready_offline(page)

        context.set_offline(True)
        group = _pick(page, "passport.pdf", PDF)
        # Kept on the phone, picked for this answer, and said so.
        expect(group.get_by_role("status")).to_have_text(re.compile("เก็บไฟล์ไว้ในเครื่องแล้ว"))
        expect(group.get_by_label(re.compile(r"passport\.pdf · รอส่ง"))).to_be_checked()
        status = page.locator("[data-module=status]")
        expect(status).to_contain_text("รอส่ง (1)")
        assert _violations(page, axe_source) == []
        page.get_by_role("button", name="ยื่นคำขอ", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
        expect(status).to_contain_text("รอส่ง (2)")
        cards = page.locator("main li.card").filter(has_text="รอส่งเมื่อมีสัญญาณ")
        expect(cards.filter(has_text="เอกสาร: passport.pdf")).to_have_count(1)
        expect(cards.filter(has_text="ต่ออายุหนังสือเดินทาง")).to_have_count(1)
        assert _violations(page, axe_source) == []
    finally:
        context.close()  # the browser closes; nothing was sent

    assert _documents(live_server, national_id) == []
    assert _applications(live_server, national_id) == []
    context = _persistent(playwright, tmp_path / "profile")
    try:
        context.set_offline(True)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{live_server.url}/#/dashboard")
        status = page.locator("[data-module=status]")
        expect(status).to_contain_text("รอส่ง (2)")
        cards = page.locator("main li.card").filter(has_text="รอส่งเมื่อมีสัญญาณ")
        expect(cards.filter(has_text="เอกสาร: passport.pdf")).to_have_count(1)
        expect(cards.filter(has_text="ต่ออายุหนังสือเดินทาง")).to_have_count(1)
        page.reload()  # still offline: still both
        expect(status).to_contain_text("รอส่ง (2)")

        context.set_offline(False)
        expect(status).to_be_hidden(timeout=15_000)
        expect(page.locator("main li.card").filter(has_text="ต่ออายุหนังสือเดินทาง")).to_contain_text(
            "ยื่นแล้ว"
        )
    finally:
        context.close()

    [(document_id, label, size)] = _documents(live_server, national_id)
    assert (label, size) == ("passport.pdf", len(PDF))
    [(state, answers)] = _applications(live_server, national_id)
    assert state == "submitted" and json.loads(answers)["passport"] == document_id


def test_a_refused_document_comes_back_to_the_form_and_its_application_waits(
    page: Page, context: BrowserContext, live_server: LiveServer, axe_source: str
) -> None:
    national_id = thai_id()
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
    page.goto(f"{live_server.url}/#/services/{SERVICE}/apply")
    _fill_form(page)
    _ready_offline(page)

    context.set_offline(True)
    group = _pick(page, "photo.png", HUGE_PNG, "image/png")
    expect(group.get_by_label(re.compile(r"photo\.png · รอส่ง"))).to_be_checked()
    page.get_by_role("button", name="ยื่นคำขอ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
    status = page.locator("[data-module=status]")
    expect(status).to_contain_text("รอส่ง (2)")

    context.set_offline(False)
    # The server refuses the image: the application that uses it is not sent, and comes back
    # with the reason beside the field; the refused file itself is gone (it can never be sent).
    expect(status).to_have_text("ส่งไม่สำเร็จ ต้องแก้ไข (1)", timeout=15_000)
    refused = page.locator("main li.card").filter(has_text="ต่ออายุหนังสือเดินทาง")
    expect(refused).to_contain_text("ส่งไม่สำเร็จ ต้องแก้ไข: รูปภาพมีขนาด 20000 × 20000 พิกเซล")
    assert _documents(live_server, national_id) == []
    assert _applications(live_server, national_id) == []
    assert _violations(page, axe_source) == []

    refused.get_by_role("link", name="แก้ไขแล้วส่งใหม่").click()
    expect(page.locator("#f-passport-error")).to_contain_text("รูปภาพมีขนาด 20000 × 20000 พิกเซล")
    expect(page.get_by_label("เลขหนังสือเดินทางเดิม")).to_have_value("AB1234567")
    assert _violations(page, axe_source) == []
    # Another file, picked offline again: it is queued after the application it is for, and
    # still goes first.
    context.set_offline(True)
    group = _pick(page, "passport.pdf", PDF)
    expect(group.get_by_label(re.compile(r"passport\.pdf · รอส่ง"))).to_be_checked()
    page.get_by_role("button", name="ยื่นคำขอ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
    expect(status).to_contain_text("รอส่ง (2)")
    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    [(document_id, _, _)] = _documents(live_server, national_id)
    [(state, answers)] = _applications(live_server, national_id)
    assert state == "submitted" and json.loads(answers)["passport"] == document_id
