"""Documents uploaded offline, in a real browser against a real server: a file picked without
signal waits in the outbox (IndexedDB) with the application that uses it, survives closing the
browser, and both are sent once, in order, when the connection returns (an answer to the
agency's request for information too); a large file cut off mid-way goes on from where the
server has it; a file the server refuses comes back to the form for another, and the
application waits until then."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Playwright, Route, expect

from backend.settings import ROOT
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    enrol_in_browser,
    eventually,
    submit_form,
    virtual_authenticator,
    wait_for_service_worker,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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


AGENCY_ASKS = """
import sys
from backend import domains
from backend.catalog.tables import Agency
from backend.lib.cli import run_job
from backend.system.audit import Actor
from tests.support.applications import set_status

async def job():
    agency = await Agency.select(Agency.id).where(Agency.code == "DCA").first()
    actor, app = Actor(account_id=None, role="agency_api"), int(sys.argv[1])
    await set_status(app, "in_review", actor, agency_id=agency["id"])
    await set_status(app, "needs_info", actor, agency_id=agency["id"],
        message_th="ภาพหน้าหนังสือเดินทางไม่ชัด กรุณาส่งใหม่",
        message_en="The passport page is not readable: please send it again.",
        needs_fields=["passport"])

domains.install()
run_job(job)
"""


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


@pytest.fixture
def failed_loads_expected() -> bool:
    """Offline fetches and refusals make Chromium log "Failed to load resource": expected."""
    return True


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
    eventually(
        page,
        """async (slug) => {
            const src = document.querySelector('script[src$="/js/app.js"]').src;
            return Boolean(await caches.match(`/api/v1/services/${slug}`))
                && Boolean(await caches.match(src.replace('app.js', 'upload.js')));
        }""",
        SERVICE,
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


def _wait_for_draft(page: Page) -> None:
    """Until the form's draft on the phone (saved as the citizen types) names the upload."""
    eventually(
        page,
        """async (key) => {
            const src = document.querySelector('script[src$="/js/app.js"]').src;
            const { store } = await import(src.replace('app.js', 'db.js'));
            const draft = await store('drafts').get(key);
            return String(JSON.stringify(draft?.raw)).includes('upload:');
        }""",
        f"apply:{SERVICE}",
    )


def _documents(live_server: LiveServer, national_id: str, *extra: str) -> list[Any]:
    return live_server.sql(
        f"SELECT d.id, d.label, d.size_bytes{''.join(', d.' + e for e in extra)} "
        "FROM document d JOIN account c ON c.id = d.account "
        "WHERE c.national_id_index = ?",
        live_server.index_of(national_id),
    )


def _applications(live_server: LiveServer, national_id: str) -> list[Any]:
    return live_server.sql(
        "SELECT a.status, a.answers FROM application a JOIN account c ON c.id = a.account "
        "JOIN service s ON s.id = a.service WHERE c.national_id_index = ? AND s.slug = ?",
        live_server.index_of(national_id),
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
        submit_form(page)
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


class CutLink:
    """The resumable upload's pieces, as the network sees them: counts the bytes each PATCH
    carries, and cuts the ones it is told to, before the server (a dropped request) or after
    it (the server has the bytes, the phone never hears so)."""

    def __init__(self, context: BrowserContext, *, before: int, after: int = 0) -> None:
        self.cut = {before: "before", after: "after"}
        self.patches: list[int] = []
        self.heads = 0
        self.url = ""
        self._cutting = False
        context.route(lambda url: "/api/v1/documents/uploads/" in url, self.handle)

    def handle(self, route: Route) -> None:
        request = route.request
        self.heads += request.method == "HEAD"
        if request.method != "PATCH":
            route.continue_()
            return
        self.url = request.url
        cut = self.cut.get(len(self.patches) + 1)
        if cut is None:
            self.patches.append(len(request.post_data_buffer or b""))
            route.continue_()
            return
        # The test waits (`wait_for`) until the cut is over: the server has answered the piece
        # cut after it, so a reload finds no request of the last page still under way.
        self._cutting = True
        try:
            self.patches.append(len(request.post_data_buffer or b""))
            if cut == "after":
                route.fetch()
            route.abort("connectionreset")
        finally:
            self._cutting = False

    def wait_for(self, page: Page, patches: int) -> None:
        while len(self.patches) < patches or self._cutting:
            page.wait_for_timeout(50)

    def wait_for_head(self, page: Page, heads: int) -> None:
        """Until the phone has asked more than `heads` times where its upload stands."""
        deadline = time.monotonic() + 15
        while self.heads <= heads:
            assert time.monotonic() < deadline, "the phone never asked where its upload stands"
            page.wait_for_timeout(50)


def test_a_large_upload_cut_off_goes_on_from_where_the_server_has_it(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    national_id = thai_id()
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
    page.goto(f"{live_server.url}/#/services/{SERVICE}/apply")
    _fill_form(page)
    wait_for_service_worker(page)
    link = CutLink(context, before=2, after=4)
    scan = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)

    group = _pick(page, "scan.pdf", scan)
    link.wait_for(page, 2)  # the second piece never reaches the server
    # The form says how far it got, and the file waits on the phone.
    expect(group.get_by_role("status")).to_have_text(re.compile(r"^กำลังอัปโหลด \d+%$"))
    expect(group.get_by_label(re.compile(r"scan\.pdf · รอส่ง"))).to_be_checked()
    _wait_for_draft(page)
    page.reload()  # asks the server where it stands (HEAD), goes on from there
    link.wait_for(page, 4)  # the fourth reaches it, but its answer is lost
    page.reload()
    expect(group.get_by_role("status")).to_have_text("อัปโหลดแล้ว และเลือกไว้ให้แล้ว", timeout=15_000)
    expect(group.get_by_label(re.compile(r"scan\.pdf"))).to_be_checked()
    submit_form(page)
    expect(page.get_by_role("region", name="ยื่นคำขอเรียบร้อยแล้ว")).to_be_visible()

    [(document_id, _, size, sha256)] = _documents(live_server, national_id, "sha256")
    assert (size, sha256) == (len(scan), hashlib.sha256(scan).hexdigest())
    assert link.heads == 2
    # Only the piece cut before the server went twice.
    assert sum(link.patches) == len(scan) + link.patches[1]
    [(state, answers)] = _applications(live_server, national_id)
    assert state == "submitted" and json.loads(answers)["passport"] == document_id


class ArrivingPiece(threading.Thread):
    """A PATCH still arriving at the server, as one cut off on the phone's side can be: its
    first bytes are there (it holds the upload), the rest come when `finish` is called."""

    FIRST = 64 * 1024

    def __init__(self, context: BrowserContext, url: str, offset: int, body: bytes) -> None:
        super().__init__(daemon=True)
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        self.url, self.body, self.offset = url, body, offset
        self.headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            "X-CSRF-Token": cookies["portal_csrf"],
        }
        self.status = 0
        self._go = threading.Event()

    def run(self) -> None:
        def body() -> Iterator[bytes]:
            yield self.body[: self.FIRST]
            self._go.wait(60)
            yield self.body[self.FIRST :]

        headers = {**self.headers, "Upload-Offset": str(self.offset)}
        headers["Content-Type"] = "application/offset+octet-stream"
        self.status = httpx.patch(self.url, content=body(), headers=headers, timeout=90).status_code

    def holding(self) -> bool:
        return "retry-after" in httpx.head(self.url, headers=self.headers, timeout=5).headers

    def finish(self) -> None:
        self._go.set()
        self.join(30)


def test_a_reload_while_a_cut_piece_still_arrives_waits_for_it(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    national_id = thai_id()
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
    page.goto(f"{live_server.url}/#/services/{SERVICE}/apply")
    _fill_form(page)
    wait_for_service_worker(page)
    link = CutLink(context, before=2)
    scan = b"%PDF-1.7\n" + os.urandom(1024 * 1024)

    group = _pick(page, "scan.pdf", scan)
    link.wait_for(page, 2)  # the first piece is there, the second one is cut
    _wait_for_draft(page)
    # The second piece's bytes are still on their way to the server when the phone comes back.
    there = link.patches[0]
    arriving = ArrivingPiece(context, link.url, there, scan[there : there + 256 * 1024])
    arriving.start()
    deadline = time.monotonic() + 10
    while not arriving.holding():
        assert time.monotonic() < deadline, "the arriving piece never held the upload"
        time.sleep(0.05)
    refused: list[int] = []
    page.on("response", lambda r: r.status == 409 and refused.append(r.status))
    heads = link.heads
    page.reload()
    link.wait_for_head(page, heads)  # the phone asks where the upload stands, is told to wait,
    page.wait_for_timeout(1500)
    assert len(link.patches) == 2  # and sends nothing meanwhile
    arriving.finish()
    assert arriving.status == 200

    expect(group.get_by_role("status")).to_have_text("อัปโหลดแล้ว และเลือกไว้ให้แล้ว", timeout=15_000)
    assert refused == []
    # Nothing went twice but the piece cut before the server.
    assert sum(link.patches) + len(arriving.body) == len(scan) + link.patches[1]
    [(_, _, size, sha256)] = _documents(live_server, national_id, "sha256")
    assert (size, sha256) == (len(scan), hashlib.sha256(scan).hexdigest())


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
    submit_form(page)
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
    submit_form(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
    expect(status).to_contain_text("รอส่ง (2)")
    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    [(document_id, _, _)] = _documents(live_server, national_id)
    [(state, answers)] = _applications(live_server, national_id)
    assert state == "submitted" and json.loads(answers)["passport"] == document_id


def test_an_answer_to_the_agency_with_a_document_picked_offline(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    national_id = thai_id()
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
    wait_for_service_worker(page)
    created = page.evaluate(
        """async ([slug, nationalId, bytes]) => {
            const headers = { 'x-csrf-token': document.cookie.match(/portal_csrf=([^;]+)/)[1] };
            const post = async (url, body) => (await fetch(url, { method: 'POST', body,
                headers: { ...headers, 'content-type': 'application/json',
                           'idempotency-key': crypto.randomUUID() } })).json();
            const wallet = '/api/v1/documents?document_type=passport';
            const doc = await post(wallet, new Uint8Array(bytes));
            return post('/api/v1/applications', JSON.stringify({ service: slug, submit: true,
                answers: { full_name: 'สมหญิง ใจงาม', national_id: nationalId, phone: '0812345678',
                           passport_number: 'AB1234567', validity: '10', passport: doc.id } }));
        }""",
        [SERVICE, national_id, list(PDF)],
    )
    assert created.get("id"), created
    subprocess.run(
        [sys.executable, "-c", AGENCY_ASKS, str(created["id"])],
        env=live_server.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    page.goto(f"{live_server.url}/#/applications/{created['id']}")
    todo = page.get_by_role("region", name="สิ่งที่คุณต้องทำ:")
    expect(todo).to_contain_text("ภาพหน้าหนังสือเดินทางไม่ชัด")
    _ready_offline(page)

    context.set_offline(True)
    group = todo.get_by_role("group", name=FIELD)
    group.get_by_label("อัปโหลดเอกสารใหม่").set_input_files(
        {"name": "passport-again.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%again"}
    )
    expect(group.get_by_label(re.compile(r"passport-again\.pdf · รอส่ง"))).to_be_checked()
    todo.get_by_role("button", name="ส่งข้อมูล").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
    status = page.locator("[data-module=status]")
    expect(status).to_contain_text("รอส่ง (2)")

    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    documents = _documents(live_server, national_id)
    assert [label for _, label, _ in documents].count("passport-again.pdf") == 1
    [new_id] = [id_ for id_, label, _ in documents if label == "passport-again.pdf"]
    [(state, answers)] = _applications(live_server, national_id)
    assert state == "in_review" and json.loads(answers)["passport"] == new_id
