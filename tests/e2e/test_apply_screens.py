"""Applying in a real browser: the form from a service's schema with a wallet document, the
dashboard and the detail (answering the agency, withdrawing); an application submitted
offline that waits in the outbox across a reload and a new page, then is created exactly once;
and a queued one the server refuses, brought back for correction."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    enrol_in_browser,
    eventually,
    submit_form,
    upload_to_wallet,
    virtual_authenticator,
    wait_for_service_worker,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.support.applications import HEALTH_ANSWERS
from tests.support.flows import thai_id

DRAFT_HOLDS = """async (value) => {
    const db = await new Promise((ok, fail) => {
        const open = indexedDB.open('portal');
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
    });
    const all = await new Promise((ok) => {
        const request = db.transaction('drafts').objectStore('drafts').getAll();
        request.onsuccess = () => ok(request.result);
        request.onerror = () => ok([]);
    });
    db.close();
    return JSON.stringify(all).includes(value);
}"""
"""The form's draft kept on the phone (IndexedDB `drafts`) holds `value`."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WAITING = "รอส่ง (1)"

AGENCY_ASKS = """
import sys
from backend import domains
from backend.catalog.tables import Agency
from backend.lib.cli import run_job
from backend.system.audit import Actor
from tests.support.applications import set_status

async def job():
    agency = await Agency.select(Agency.id).where(Agency.code == sys.argv[2]).first()
    actor, app = Actor(account_id=None, role="agency_api"), int(sys.argv[1])
    await set_status(app, "in_review", actor, agency_id=agency["id"])
    await set_status(app, "needs_info", actor, agency_id=agency["id"],
        message_th="เลขที่ใบอนุญาตไม่ตรงกับทะเบียน กรุณาตรวจสอบ",
        message_en="The licence number does not match our records.",
        needs_fields=["licence_number"])

domains.install()
run_job(job)
"""


CHANGE_FORM = """
import sys
from backend import domains
from backend.catalog.tables import Service
from backend.lib.cli import run_job
from backend.lib.db import write_transaction
from backend.system.hotcache import EVERYONE, announce

async def job():
    async with write_transaction():
        await Service.update({Service.form_schema: sys.argv[1]}).where(
            Service.slug == "change-health-unit")
        await announce(EVERYONE)

domains.install()
run_job(job)
"""


def _change_form(live_server: LiveServer, schema: str) -> None:
    """The service's form changed as the agency's edit changes it: with the catalog's change
    announced, so that the server forgets what it remembered of the form."""
    live_server.python(CHANGE_FORM, schema)


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


@pytest.fixture
def failed_loads_expected() -> bool:
    """Like the shared fixture, but offline fetches and the refused (422) submission make
    Chromium log "Failed to load resource": those are the point here."""
    return True


def _applications(live_server: LiveServer, national_id: str, service: str) -> list[Any]:
    return live_server.sql(
        "SELECT a.id, a.status FROM application a JOIN account c ON c.id = a.account "
        "JOIN service s ON s.id = a.service WHERE c.national_id_index = ? AND s.slug = ?",
        live_server.index_of(national_id),
        service,
    )


def _date(page: Page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("วันที่", exact=True).select_option(str(day.day))
    group.get_by_label("เดือน").select_option(str(day.month))
    group.get_by_label("ปี พ.ศ.").fill(str(day.year + 543))


def test_apply_with_a_wallet_document_answer_the_agency_and_withdraw(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="สมศักดิ์ ขับดี")
    upload_to_wallet(page, "medical_certificate", "ใบรับรองแพทย์ รพ.สต.บ้านนา", PDF)

    page.goto(f"{live_server.url}/#/services/driving-licence-renewal")
    page.get_by_role("link", name="ยื่นคำขอออนไลน์").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ต่ออายุใบอนุญาตขับรถ")
    expect(page.get_by_label("ชื่อ-นามสกุล")).to_have_value("สมศักดิ์ ขับดี")  # prefilled
    expect(page.get_by_label("เลขประจำตัวประชาชน")).to_have_value(national_id)

    # Nothing filled in: each missing field says so beside itself, tied by aria-describedby.
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("กรุณาตรวจสอบข้อมูลที่กรอก")
    phone = page.get_by_label("เบอร์โทรศัพท์")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", re.compile("f-phone-error"))
    # Each kind of field says what it needs: a phone number, a choice, text.
    expect(page.locator("#f-phone-error")).to_have_text("กรุณากรอกเบอร์โทรศัพท์ เช่น 0812345678")
    expect(page.locator("#f-licence_number-error")).to_have_text("กรุณากรอกข้อมูลช่องนี้")
    expect(page.locator("fieldset[role=radiogroup] .field-error").first).to_have_text(
        "กรุณาเลือกหนึ่งข้อ"
    )
    # The summary links each problem to its field.
    page.locator(".error-summary").get_by_role("link", name=re.compile("^เบอร์โทรศัพท์")).click()
    expect(phone).to_be_focused()

    phone.fill("081-234-5678")
    page.get_by_label("รถยนต์ส่วนบุคคล").check()
    page.get_by_label("เลขที่ใบอนุญาตเดิม").fill("1234")
    # What is typed stays on the phone: a reload brings it back. (The note may be an earlier
    # save's: wait until the phone holds the last answer typed.)
    expect(page.locator("#draft-saved")).to_contain_text("บันทึกในเครื่องแล้ว")
    eventually(page, DRAFT_HOLDS, "1234")
    page.reload()
    expect(page.get_by_label("เลขที่ใบอนุญาตเดิม")).to_have_value("1234")
    expect(page.get_by_label("รถยนต์ส่วนบุคคล")).to_be_checked()

    # Not a PDF, JPEG or PNG: refused here, before a byte goes up. A PDF goes to the wallet
    # and is picked; the citizen prefers the one already there.
    certificate = page.get_by_role("group", name="ใบรับรองแพทย์ (ไม่เกิน 1 เดือน)")
    upload = certificate.get_by_label("อัปโหลดเอกสารใหม่")
    upload.set_input_files({"name": "note.txt", "mimeType": "text/plain", "buffer": b"hello"})
    expect(page.locator("#f-medical_certificate-error")).to_contain_text("PDF, JPEG หรือ PNG")
    upload.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(certificate.get_by_role("status")).to_have_text("อัปโหลดแล้ว และเลือกไว้ให้แล้ว")
    expect(certificate.get_by_label(re.compile("scan.pdf"))).to_be_checked()
    certificate.get_by_label(re.compile("ใบรับรองแพทย์ รพ.สต.บ้านนา")).check()
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.locator("#f-licence_number-error")).to_have_text("ใช้อย่างน้อย 8 ตัวอักษร")
    page.get_by_label("เลขที่ใบอนุญาตเดิม").fill("12345678")

    # Check your answers: every answer as the agency reads it, each with a way back to it.
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    review = page.get_by_role("region", name="ตรวจสอบข้อมูลก่อนยื่น")
    expect(review).to_contain_text("รถยนต์ส่วนบุคคล")
    expect(review).to_contain_text("12345678")
    expect(review).to_contain_text("ใบรับรองแพทย์ รพ.สต.บ้านนา")
    assert _violations(page, axe_source) == []
    review.get_by_role("button", name="แก้ไข เบอร์โทรศัพท์").click()
    expect(phone).to_be_focused()
    phone.fill("0812345679")
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(review).to_contain_text("0812345679")
    # Nothing goes before the declaration is ticked.
    review.get_by_role("button", name="ยืนยันและยื่นคำขอ").click()
    expect(page.locator("#declare-error")).to_have_text(
        "กรุณาทำเครื่องหมายรับรองว่าข้อมูลเป็นความจริงก่อนยื่นคำขอ"
    )
    assert _applications(live_server, national_id, "driving-licence-renewal") == []
    review.get_by_label("ข้าพเจ้าขอรับรองว่าข้อมูลและเอกสารข้างต้นเป็นความจริงทุกประการ").check()
    review.get_by_role("button", name="ยืนยันและยื่นคำขอ").click()

    # The confirmation carries the citizen forward: the code, what happens next, by when.
    sent = page.get_by_role("region", name="ยื่นคำขอเรียบร้อยแล้ว")
    expect(sent.locator(".code-big")).to_have_text(re.compile(r"^DLT-[A-Z2-9]{4}-[A-Z2-9]{2}$"))
    expect(sent).to_contain_text("ขั้นตอนต่อไป")
    expect(sent).to_contain_text("กรมการขนส่งทางบก ตรวจสอบคำขอของคุณ")
    expect(sent).to_contain_text("คาดว่าจะทราบผลภายใน")
    expect(sent.get_by_role("link", name="พิมพ์หรือบันทึกใบรับเรื่อง")).to_have_attribute(
        "href", re.compile(r"^/receipt/\d+$")
    )
    main = page.get_by_role("main")
    expect(main.get_by_role("region", name=re.compile("^ติดต่อ"))).to_contain_text("โทร 1584")
    expect(main).to_contain_text("กรมการขนส่งทางบก")
    expect(main.get_by_role("link", name=re.compile("ดูเอกสาร: ใบรับรองแพทย์"))).to_be_visible()
    expect(main.locator(".history")).to_contain_text("ยื่นแล้ว")
    [(app_id, status)] = _applications(live_server, national_id, "driving-licence-renewal")
    assert status == "submitted"

    page.get_by_role("link", name="คำขอของฉัน").first.click()
    card = page.locator("main li.card").filter(has_text="ต่ออายุใบอนุญาตขับรถ")
    expect(card).to_contain_text("กรมการขนส่งทางบก")
    expect(card).to_contain_text("ยื่นแล้ว")

    # The agency asks for a corrected licence number: the dashboard says what to do.
    live_server.python(AGENCY_ASKS, str(app_id), "DLT")
    page.reload()
    expect(card).to_contain_text("ต้องส่งข้อมูลเพิ่ม")
    expect(card).to_contain_text("เลขที่ใบอนุญาตไม่ตรงกับทะเบียน")
    card.get_by_role("link", name="ส่งข้อมูลเพิ่มเติม").click()
    todo = page.get_by_role("region", name="สิ่งที่คุณต้องทำ:")
    todo.get_by_label("เลขที่ใบอนุญาตเดิม").fill("87654321")
    todo.get_by_role("button", name="ส่งข้อมูล").click()
    expect(page.get_by_role("status").filter(has_text="ส่งข้อมูลแล้ว")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("กำลังพิจารณา")
    expect(page.get_by_role("region", name="สิ่งที่คุณต้องทำ:")).to_have_count(0)

    # Withdraw while the agency has not decided: asked twice, then done.
    withdraw = page.get_by_role("button", name="ถอนคำขอ", exact=True)
    withdraw.click()
    expect(page.get_by_role("alert")).to_contain_text("กดปุ่มอีกครั้ง")
    withdraw.click()
    # Said as the glossary says it: the status's label, and its one line of meaning.
    expect(
        page.get_by_role("status").filter(has_text="คุณถอนคำขอนี้แล้ว หน่วยงานจะไม่พิจารณาต่อ")
    ).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("ถอนคำขอแล้ว")
    assert _applications(live_server, national_id, "driving-licence-renewal") == [
        (app_id, "withdrawn")
    ]


def test_offline_submission_waits_across_reloads_and_is_created_once(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    # A persistent profile: what the phone keeps survives a new page (and closing the app).
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
        locale="th-TH",
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        virtual_authenticator(page)
        national_id = thai_id()
        enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
        wait_for_service_worker(page)
        page.goto(f"{live_server.url}/#/services/passport-appointment/apply")
        expect(page.get_by_label("เบอร์โทรศัพท์")).to_have_value("0812345678")
        eventually(
            page, "async () => Boolean(await caches.match('/api/v1/services/passport-appointment'))"
        )

        context.set_offline(True)
        page.get_by_label("ขอนแก่น").check()
        day = dt.date.today() + dt.timedelta(days=10)
        _date(page, "วันที่ต้องการ", day)
        # Shown back in full, in the Buddhist era; sent as ISO.
        expect(page.locator("#f-appointment_date-shown")).to_contain_text(str(day.year + 543))
        submit_form(page)
        status = page.locator("[data-module=status]")
        expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
        expect(page.get_by_role("status").filter(has_text="บันทึกคำขอไว้ในเครื่องแล้ว")).to_be_visible()
        expect(status).to_contain_text(WAITING)
        waiting = page.locator("main li.card").filter(has_text="นัดหมายทำหนังสือเดินทาง")
        expect(waiting).to_contain_text("รอส่งเมื่อมีสัญญาณ")

        page.reload()
        expect(status).to_contain_text("ออฟไลน์")
        expect(status).to_contain_text(re.compile(r"ข้อมูลเมื่อ \d{1,2}:\d{2}"))  # the phone's copy
        expect(status).to_contain_text(WAITING)
        other = context.new_page()
        other.goto(f"{live_server.url}/#/dashboard")
        expect(other.locator("[data-module=status]")).to_contain_text(WAITING)
        expect(other.locator("main li.card")).to_contain_text(["นัดหมายทำหนังสือเดินทาง"])
        other.close()
        assert _applications(live_server, national_id, "passport-appointment") == []

        context.set_offline(False)
        expect(status).to_be_hidden(timeout=15_000)
        sent = page.locator("main li.card").filter(has_text="นัดหมายทำหนังสือเดินทาง")
        expect(sent).to_contain_text("ยื่นแล้ว")
        page.reload()
        expect(sent).to_contain_text("ยื่นแล้ว")
        [(_, state)] = _applications(live_server, national_id, "passport-appointment")
        assert state == "submitted"
    finally:
        context.close()


def test_a_refused_queued_submission_comes_back_for_correction(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, phone="0812345678")
    wait_for_service_worker(page)
    page.goto(f"{live_server.url}/#/services/change-health-unit/apply")
    page.get_by_label("หน่วยบริการที่ต้องการ").fill("รพ.สต.บ้านนา")
    page.get_by_label("ย้ายที่อยู่").check()

    [(schema,)] = live_server.sql(
        "SELECT form_schema FROM service WHERE slug = 'change-health-unit'"
    )
    village = {
        "name": "village",
        "type": "text",
        "label": {"th": "หมู่บ้าน", "en": "Village"},
        "required": True,
        "max_length": 80,
    }
    try:
        context.set_offline(True)
        submit_form(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
        expect(page.locator("[data-module=status]")).to_contain_text(WAITING)
        # Meanwhile the agency's form gained a required field: the queued answers lack it.
        _change_form(live_server, json.dumps([*json.loads(schema), village], ensure_ascii=False))
        context.set_offline(False)
        status = page.locator("[data-module=status]")
        expect(status).to_contain_text("ส่งไม่สำเร็จ ต้องแก้ไข (1)", timeout=15_000)
        refused = page.locator("main li.card").filter(has_text="เปลี่ยนหน่วยบริการ")
        expect(refused).to_contain_text("ส่งไม่สำเร็จ ต้องแก้ไข: กรุณาตรวจสอบข้อมูลที่กรอก")

        refused.get_by_role("link", name="แก้ไขแล้วส่งใหม่").click()
        field = page.get_by_label("หมู่บ้าน")
        expect(field).to_have_attribute("aria-describedby", re.compile("f-village-error"))
        expect(page.locator("#f-village-error")).to_have_text("กรุณากรอกข้อมูลช่องนี้")
        expect(page.get_by_label("หน่วยบริการที่ต้องการ")).to_have_value("รพ.สต.บ้านนา")
        field.fill("บ้านหนองบัว")
        submit_form(page)
        expect(page.get_by_role("region", name="ยื่นคำขอเรียบร้อยแล้ว")).to_be_visible()
        expect(status).to_be_hidden()
        [(_, state)] = _applications(live_server, national_id, "change-health-unit")
        assert state == "submitted"
    finally:
        _change_form(live_server, schema)


AGENCY_REFUSES = AGENCY_ASKS.replace(
    """    await set_status(app, "needs_info", actor, agency_id=agency["id"],
        message_th="เลขที่ใบอนุญาตไม่ตรงกับทะเบียน กรุณาตรวจสอบ",
        message_en="The licence number does not match our records.",
        needs_fields=["licence_number"])""",
    """    await set_status(app, "rejected", actor, agency_id=agency["id"],
        message_th="ที่อยู่ไม่อยู่ในเขตบริการของหน่วยบริการที่เลือก",
        message_en="The address is outside the chosen unit's area.")""",
)


def apply_in_page(page: Page, national_id: str) -> dict[str, Any]:
    """The signed-in citizen of `page` applies to change their health unit, as the API takes
    it (for tests about what happens after applying)."""
    created: dict[str, Any] = page.evaluate(
        """async ([answers]) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const response = await fetch('/api/v1/applications', { method: 'POST',
                body: JSON.stringify({ service: 'change-health-unit', answers, submit: true }),
                headers: { 'x-csrf-token': csrf, 'content-type': 'application/json',
                'idempotency-key': crypto.randomUUID() } });
            return response.json();
        }""",
        [{**HEALTH_ANSWERS, "national_id": national_id}],
    )
    return created


def test_a_refusal_says_why_what_to_do_and_whom_to_call(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="สมปอง ย้ายบ้าน")
    created = apply_in_page(page, national_id)
    assert AGENCY_REFUSES != AGENCY_ASKS
    live_server.python(AGENCY_REFUSES, str(created["id"]), "NHSO")
    page.goto(f"{live_server.url}/#/applications/{created['id']}")
    decision = page.get_by_role("region", name="ไม่อนุมัติ")
    expect(decision).to_contain_text("ที่อยู่ไม่อยู่ในเขตบริการของหน่วยบริการที่เลือก")
    expect(decision).to_contain_text("ขออุทธรณ์")
    expect(decision.get_by_role("link", name="ยื่นคำขอใหม่")).to_have_attribute(
        "href", "#/services/change-health-unit/apply"
    )
    expect(page.get_by_role("region", name=re.compile("^ติดต่อ"))).to_be_visible()
    assert _violations(page, axe_source) == []


def test_dates_and_ages_are_said_in_words_and_each_problem_exactly(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    """A birth date's rule is "อายุ 60 ปีขึ้นไป", not a date limit; half a date says which
    half is missing; a date outside the rule says the rule."""
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, thai_id(), name="ยาย สมศรี")
    page.goto(f"{live_server.url}/#/services/elderly-allowance/apply")
    birth = page.get_by_role("group", name="วันเกิด")
    expect(birth.locator(".hint").first).to_have_text("อายุ 60 ปีขึ้นไป")
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.locator("#f-birth_date-error")).to_have_text("กรุณาเลือกวันและเดือน แล้วพิมพ์ปี")
    birth.get_by_label("ปี พ.ศ.").fill("2510")
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.locator("#f-birth_date-error")).to_have_text("กรุณาเลือกทั้งวันและเดือน")
    young = dt.date.today().replace(year=dt.date.today().year - 30, day=1)
    _date(page, "วันเกิด", young)
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.locator("#f-birth_date-error")).to_have_text("ไม่ตรงตามเงื่อนไข: อายุ 60 ปีขึ้นไป")
    _date(page, "วันเกิด", young.replace(year=young.year - 40))
    page.get_by_role("button", name="ตรวจสอบข้อมูล", exact=True).click()
    expect(page.locator("#f-birth_date-error")).to_be_hidden()
    assert _violations(page, axe_source) == []
