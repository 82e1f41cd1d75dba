"""After applying, in a real browser at 360 px (issue 20, points 4, 5 and 7): answering a
request for information with a new photo (the field now required, the refused document marked
and never chosen, the reply-by date and what follows it); My applications sorting itself and
searched; My documents (add by camera or file, where each went, a refusal, replace, delete)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backend.lib.workdays import BANGKOK, is_working_day
from backend.settings import ROOT
from tests.e2e.conftest import (
    LiveServer,
    enrol_in_browser,
    upload_to_wallet,
    virtual_authenticator,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.support.files import pdf, png
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENCY = """
import sys
import msgspec
from backend import domains
from backend.agency_api.schemas import StatusChange
from backend.agency_api.services.applications import change_status
from backend.catalog.tables import Agency
from backend.lib.cli import run_job
from backend.system.audit import Actor

async def job():
    agency = await Agency.select(Agency.id).where(Agency.code == sys.argv[2]).first()
    actor = Actor(account_id=None, role="agency_api")
    for step in msgspec.json.decode(sys.argv[3]):
        change = msgspec.json.decode(msgspec.json.encode(step), type=StatusChange)
        await change_status(agency["id"], int(sys.argv[1]), change, actor)

domains.install()
run_job(job)
"""
ID_CARD = {
    "full_name": "สมชาย ใจดี",
    "phone": "0812345678",
    "reason": "lost",
    "appointment_date": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
}
VEHICLE = {
    "full_name": "สมชาย ใจดี",
    "phone": "0812345678",
    "province": "กรุงเทพมหานคร",
    "delivery_address": "99 ถนนพหลโยธิน แขวงลาดยาว เขตจตุจักร",
}
UNCLEAR = {"th": "ใบแจ้งความอ่านไม่ออก กรุณาถ่ายใหม่ให้ชัด", "en": "The police report is unreadable."}


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


@pytest.fixture
def failed_loads_expected() -> bool:
    """The wallet's refused delete (409) is logged by Chromium as a failed load: the point."""
    return True


def agency(live_server: LiveServer, app_id: int, code: str, *steps: dict[str, Any]) -> None:
    """The agency's system changes the application's status, as its signed API does."""
    subprocess.run(
        [sys.executable, "-c", AGENCY, str(app_id), code, json.dumps(steps)],
        env=live_server.env, cwd=ROOT, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def apply(page: Page, service: str, answers: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = page.evaluate(
        """async ([service, answers]) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const response = await fetch('/api/v1/applications', { method: 'POST',
                body: JSON.stringify({ service, answers, submit: true }),
                headers: { 'x-csrf-token': csrf, 'content-type': 'application/json',
                'idempotency-key': crypto.randomUUID() } });
            return response.json();
        }""",
        [service, answers],
    )
    assert "id" in created, created
    return created


def working_day(after: int = 4) -> dt.date:
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=after)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def citizen(page: Page, live_server: LiveServer) -> str:
    page.set_viewport_size({"width": 360, "height": 760})
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="สมชาย ใจดี")
    return national_id


def test_needs_info_is_answered_with_a_new_photo(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    national_id = citizen(page, live_server)
    old = int(upload_to_wallet(page, "police_report", "ใบแจ้งความ สภ.เมือง", pdf("blurred"))["id"])
    app = apply(page, "id-card-replacement", {**ID_CARD, "national_id": national_id,
                                             "police_report": old})  # fmt: skip
    day = working_day()
    ask = {"status": "needs_info", "message": UNCLEAR, "needs": ["police_report"],
           "reply_by": day.isoformat()}  # fmt: skip
    agency(live_server, app["id"], "DOPA", {"status": "received"}, ask)

    # My applications: it needs my action, first, with the date and a full-width button.
    page.goto(f"{live_server.url}/#/dashboard")
    page.reload()  # open already since enrolling: drawn again with the applications
    first = page.locator("main h2").first
    expect(first).to_have_text("ต้องดำเนินการ (1)")
    card = page.locator("main section li.card").first
    expect(card).to_contain_text("ใบแจ้งความอ่านไม่ออก")
    expect(card).to_contain_text(f"กรุณาตอบภายใน {day.day}")
    answer = card.get_by_role("link", name="ส่งข้อมูลเพิ่มเติม")
    box, inner = answer.bounding_box(), card.locator(".action").bounding_box()
    assert box and inner and box["width"] >= inner["width"] - 32  # the box, inside its padding
    answer.click()

    todo = page.get_by_role("region", name="สิ่งที่คุณต้องทำ:")
    expect(todo).to_contain_text(f"กรุณาตอบภายใน {day.day}")
    expect(todo).to_contain_text(str(day.year + 543))
    expect(todo).to_contain_text("หน่วยงานอาจพิจารณาจากข้อมูลที่มีอยู่")
    # Optional on the form, required now; the refused document marked and not chosen.
    report = todo.get_by_role("group", name="ใบแจ้งความ", exact=True)
    refused = report.get_by_label(re.compile("หน่วยงานแจ้งว่าไม่ชัด"))
    expect(refused).to_have_count(1)
    expect(refused).not_to_be_checked()
    todo.get_by_role("button", name="ส่งข้อมูล").click()
    expect(page.locator("#f-police_report-error")).to_have_text(
        "กรุณาเลือกเอกสารที่มีอยู่ หรือเพิ่มรูปถ่ายหรือไฟล์ใหม่"
    )
    assert _violations(page, axe_source) == []

    # The main action: the back camera. A new photo goes to the wallet and is chosen.
    camera = report.get_by_label("ถ่ายรูปใหม่ด้วยกล้อง")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    camera.set_input_files({"name": "photo.png", "mimeType": "image/png", "buffer": png(40, 30)})
    expect(report.get_by_role("status")).to_have_text("อัปโหลดแล้ว และเลือกไว้ให้แล้ว")
    expect(report.get_by_label(re.compile("photo.png"))).to_be_checked()
    todo.get_by_role("button", name="ส่งข้อมูล").click()
    expect(page.get_by_role("status").filter(has_text="ส่งข้อมูลแล้ว")).to_be_visible()
    expect(page.get_by_role("region", name="สิ่งที่คุณต้องทำ:")).to_have_count(0)
    [(answers, status)] = live_server.sql(
        "SELECT answers, status FROM application WHERE id = ?", app["id"]
    )
    assert status == "in_review"
    assert json.loads(answers)["police_report"] not in (old, None)

    # A new form for the same document never starts from the refused one either.
    page.goto(f"{live_server.url}/#/services/id-card-replacement/apply")
    again = page.get_by_role("group", name=re.compile("^ใบแจ้งความ"))
    expect(again.get_by_label(re.compile("หน่วยงานแจ้งว่าไม่ชัด"))).not_to_be_checked()


def test_my_applications_sort_themselves_and_are_searched(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    national_id = citizen(page, live_server)
    done = apply(page, "vehicle-tax", {**VEHICLE, "plate": "กข 1234"})
    waiting = apply(page, "vehicle-tax", {**VEHICLE, "plate": "1กก 999"})
    asked = apply(page, "id-card-replacement", {**ID_CARD, "national_id": national_id})
    agency(live_server, done["id"], "DLT", {"status": "in_review"}, {"status": "approved"})
    agency(live_server, asked["id"], "DOPA", {"status": "received"},
           {"status": "needs_info", "message": UNCLEAR, "needs": ["phone"]})  # fmt: skip
    agency(live_server, waiting["id"], "DLT", {"status": "received"})

    # Right after the first application, the confirmation offers notifications.
    page.goto(f"{live_server.url}/#/applications/{waiting['id']}?sent=1")
    sent = page.get_by_role("region", name="ยื่นคำขอเรียบร้อยแล้ว")
    expect(sent.get_by_role("button", name="เปิดการแจ้งเตือน")).to_be_visible()
    expect(sent).to_contain_text("ไม่มีชื่อหรือเลขประจำตัวประชาชนของคุณ")

    page.goto(f"{live_server.url}/#/dashboard")
    page.reload()  # open already since enrolling: drawn again with the applications
    main = page.get_by_role("main")
    expect(main.locator("h2")).to_have_text(
        ["ต้องดำเนินการ (1)", "อยู่ระหว่างดำเนินการ (1)", "เสร็จสิ้นแล้ว (1)"]
    )
    groups = main.locator("section:has(li.card)")
    expect(groups.nth(0)).to_contain_text(asked["tracking_code"])
    expect(groups.nth(1)).to_contain_text("1กก 999")  # the plate tells the two apart
    expect(groups.nth(2)).to_contain_text("กข 1234")
    code = main.locator(".code").first
    assert code.evaluate("(node) => getComputedStyle(node).whiteSpace") == "nowrap"
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert _violations(page, axe_source) == []

    search = main.get_by_label("ค้นหาตามชื่อบริการหรือรหัสติดตาม")
    search.fill("ภาษีรถ")
    expect(main.locator("li.card")).to_have_count(2)
    expect(main.get_by_role("status")).to_have_text("พบ 2 คำขอ")
    search.fill(waiting["tracking_code"].lower())
    expect(main.locator("li.card")).to_have_count(1)
    expect(main.locator("li.card")).to_contain_text("1กก 999")
    search.fill("ไม่มีบริการนี้")
    expect(main.locator("li.card")).to_have_count(0)
    expect(main.get_by_role("status")).to_have_text("ไม่พบคำขอที่ตรงกับคำค้น")
    search.fill("")
    expect(main.locator("li.card")).to_have_count(3)


def test_my_documents_add_see_uses_and_refusals_replace_and_delete(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    national_id = citizen(page, live_server)
    page.get_by_role("navigation").get_by_role("link", name="เอกสารของฉัน").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("เอกสารของฉัน")
    expect(main).to_contain_text("ยังไม่มีเอกสาร")

    # Add by camera (a photo: its thumbnail) and by file (a PDF: a file icon).
    main.get_by_label("ประเภทเอกสาร").select_option(label="ใบแจ้งความเอกสารหาย")
    camera = main.get_by_label("ถ่ายรูปใหม่ด้วยกล้อง")
    expect(camera).to_have_attribute("capture", "environment")
    camera.set_input_files({"name": "report.png", "mimeType": "image/png", "buffer": png(40, 30)})
    expect(main.locator(".flash")).to_have_text("เพิ่มเอกสารแล้ว")
    main.get_by_label("ประเภทเอกสาร").select_option(label="ใบแจ้งความเอกสารหาย")
    main.get_by_label("อัปโหลดเอกสารใหม่").set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf("report")}
    )
    expect(main.locator(".flash")).to_have_text("เพิ่มเอกสารแล้ว")
    photo, scan = (
        main.locator("li.card").filter(has_text="report.png"),
        main.locator("li.card").filter(has_text="report.pdf"),
    )
    expect(photo.locator("img.thumb")).to_have_count(1)
    expect(scan.locator("svg.icon-file")).to_have_count(1)
    expect(photo).to_contain_text("ยังไม่ได้ใช้กับคำขอใด")

    # Each used by an application; the agency finds the scan unclear.
    ids = {row[1]: row[0] for row in live_server.sql("SELECT id, label FROM document")}
    first = apply(page, "id-card-replacement", {**ID_CARD, "national_id": national_id,
                                               "police_report": ids["report.png"]})  # fmt: skip
    second = apply(page, "id-card-replacement", {**ID_CARD, "national_id": national_id,
                                                "police_report": ids["report.pdf"]})  # fmt: skip
    agency(live_server, second["id"], "DOPA", {"status": "received"},
           {"status": "needs_info", "message": UNCLEAR, "needs": ["police_report"]})  # fmt: skip
    page.reload()
    expect(photo).to_contain_text("ใช้กับคำขอ:")
    expect(photo.get_by_role("link", name=re.compile(first["tracking_code"]))).to_be_visible()
    expect(scan).to_contain_text(f"หน่วยงานแจ้งว่าไม่ชัด (ทำบัตรประจำตัวประชาชนใหม่ กรณีบัตรหาย · "
                                 f"{second['tracking_code']})")  # fmt: skip
    assert _violations(page, axe_source) == []

    # Delete the photo an application awaits: said before, refused by the server if insisted.
    delete = photo.get_by_role("button", name="ลบเอกสาร")
    delete.click()
    expect(photo).to_contain_text(f"ยังลบไม่ได้: คำขอ {first['tracking_code']} รอหน่วยงานพิจารณา")
    delete.click()
    expect(photo.get_by_role("alert")).to_contain_text(first["tracking_code"])
    expect(main.locator("li.card")).to_have_count(2)

    # Replace the refused scan with a new photo: the new one in, the old one out.
    scan.get_by_label("แทนด้วยรูปหรือไฟล์ใหม่").set_input_files(
        {"name": "clear.png", "mimeType": "image/png", "buffer": png(60, 40)}
    )
    expect(main.locator(".flash")).to_have_text("เปลี่ยนเอกสารแล้ว")
    expect(main.locator("li.card")).to_have_count(2)
    expect(main.locator("li.card").filter(has_text="report.pdf")).to_have_count(0)
    fresh = main.locator("li.card").filter(has_text="clear.png")
    expect(fresh).to_contain_text("ยังไม่ได้ใช้กับคำขอใด")

    # Delete an unused one: what happens is said first, then it goes.
    fresh.get_by_role("button", name="ลบเอกสาร").click()
    expect(fresh).to_contain_text("คำขอที่ส่งไปแล้วยังเก็บสำเนาไว้ให้หน่วยงาน")
    fresh.get_by_role("button", name="ยืนยันการลบ").click()
    expect(main.locator(".flash")).to_have_text("ลบ “clear.png” แล้ว")
    expect(main.locator("li.card")).to_have_count(1)
    # The agency still has what was sent.
    assert live_server.sql("SELECT deleted_at IS NOT NULL FROM document WHERE label = ?",
                           "report.pdf") == [(1,)]  # fmt: skip
