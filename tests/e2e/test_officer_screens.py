"""The officer console in a real browser (issue 5, point 9): an administrator invites an officer
of NHSO → the officer creates their passkey (CDP virtual authenticator) and signs in → the
queue → the citizen's application → received, in review, approved with a message → the
citizen's own dashboard and /track say approved. axe-core checks the queue and the
application in Thai and English."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from backend.lib.workdays import BANGKOK, is_working_day
from tests.e2e.conftest import LiveServer, virtual_authenticator
from tests.e2e.staff import admin, citizen, forget_rate_limits
from tests.e2e.test_kiosk_screens import _axe_in_both_languages
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser

ANSWERS = {
    "full_name": "สมศรี ทดสอบ",
    "phone": "0812345678",
    "new_unit": "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา",
    "reason": "moved",
}


@pytest.fixture
def failed_loads_expected() -> bool:
    """The weekend reply-by date is refused (422): Chromium logs it as a failed load."""
    return True


def _next(fits: Callable[[dt.date], bool], after: int = 1) -> dt.date:
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=after)
    while not fits(day):
        day += dt.timedelta(days=1)
    return day


def test_officer_approves_an_application(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    forget_rate_limits(live_server)
    with admin(live_server) as boss:
        invitation = boss.call(
            "POST",
            "/api/v1/admin/invitations",
            {"role": "officer", "full_name": "ปรีชา พิจารณา", "agency": "NHSO"},
        )
    national_id = thai_id()
    with citizen(live_server, national_id) as applicant:
        created = applicant.call(
            "POST",
            "/api/v1/applications",
            {
                "service": "change-health-unit",
                "answers": {**ANSWERS, "national_id": national_id},
                "submit": True,
            },
            **{"idempotency-key": str(uuid.uuid4())},
        )
        tracking = created["tracking_code"]

        virtual_authenticator(page)
        page.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
        page.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของหน่วยงาน")
        menu = page.get_by_role("navigation", name="เมนูหลัก")
        expect(menu.get_by_role("link", name="งานของหน่วยงาน")).to_be_visible()
        # No citizen menu for an officer.
        expect(menu.get_by_role("link", name="คำขอของฉัน")).to_be_hidden()
        expect(menu.get_by_role("link", name="บริการ")).to_be_hidden()
        # Found by the applicant's ID number typed as on the card, then by the tracking code;
        # the number never goes into the address (the counter's browser history).
        search = page.get_by_label("ค้นหาด้วยรหัสติดตามหรือเลขประจำตัวประชาชน")
        grouped = " ".join(
            (
                national_id[0],
                national_id[1:5],
                national_id[5:10],
                national_id[10:12],
                national_id[12],
            )
        )
        search.fill(grouped)
        page.get_by_role("button", name="ค้นหา", exact=True).click()
        expect(page.get_by_role("status").filter(has_text="1")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(tracking))).to_be_visible()
        assert national_id not in page.url
        _axe_in_both_languages(page, axe_source, "คำขอของหน่วยงาน")
        page.get_by_label("ค้นหาด้วยรหัสติดตามหรือเลขประจำตัวประชาชน").fill("NHSO-ZZZZ-ZZ")
        page.get_by_role("button", name="ค้นหา", exact=True).click()
        expect(page.get_by_role("link", name=re.compile(tracking))).to_be_hidden()
        page.get_by_role("button", name="ล้างการค้นหา").click()
        page.get_by_label("บริการ", exact=True).select_option("change-health-unit")
        link = page.get_by_role("link", name=f"{tracking} · เปลี่ยนหน่วยบริการสิทธิบัตรทอง")
        expect(link).to_be_visible()
        _axe_in_both_languages(page, axe_source, "คำขอของหน่วยงาน")

        link.click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(tracking)
        expect(page.get_by_text("โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา")).to_be_visible()
        title = heading.inner_text()
        _axe_in_both_languages(page, axe_source, title)

        # Only the moves the agency may make are offered; approval comes after the review,
        # and a request for information may give a reply-by date (a working day ahead).
        for status in ("หน่วยงานรับเรื่องแล้ว", "กำลังพิจารณา"):
            page.get_by_label("สถานะใหม่").select_option(label=status)
            page.get_by_role("button", name="บันทึกสถานะ").click()
            expect(page.get_by_role("status").filter(has_text=status)).to_be_visible()
        page.get_by_label("สถานะใหม่").select_option(label="ต้องส่งข้อมูลเพิ่ม")
        page.get_by_label("ข้อความถึงผู้ยื่น (ภาษาไทย)").fill("กรุณายืนยันเบอร์โทรศัพท์")
        page.get_by_label("เบอร์โทรศัพท์").check()
        reply_by = page.get_by_label("วันสุดท้ายที่รอคำตอบ (ไม่บังคับ)")
        reply_by.fill(_next(lambda d: d.weekday() == 5).isoformat())
        page.get_by_role("button", name="บันทึกสถานะ").click()
        expect(page.locator("#reply-by-error")).to_contain_text("วันทำการ")
        day = _next(is_working_day, after=3)
        reply_by.fill(day.isoformat())
        page.get_by_role("button", name="บันทึกสถานะ").click()
        expect(page.get_by_role("status").filter(has_text="ต้องส่งข้อมูลเพิ่ม")).to_be_visible()
        detail = applicant.call("GET", f"/api/v1/applications/{created['id']}")
        assert detail["action"]["reply_by"] == day.isoformat()
        for status in ("กำลังพิจารณา", "อนุมัติแล้ว"):
            page.get_by_label("สถานะใหม่").select_option(label=status)
            if status == "อนุมัติแล้ว":
                page.get_by_label("ข้อความถึงผู้ยื่น (ภาษาไทย)").fill("อนุมัติแล้ว รับบัตรได้ที่ รพ.สต.")
                page.get_by_label("ข้อความถึงผู้ยื่น (ภาษาอังกฤษ)").fill("Approved.")
            page.get_by_role("button", name="บันทึกสถานะ").click()
            expect(page.get_by_role("status").filter(has_text=status)).to_be_visible()
        expect(page.get_by_role("heading", name="เปลี่ยนสถานะ")).to_have_count(1)  # completed next
        # The status's line of meaning, as the citizen reads it (the one glossary).
        expect(page.get_by_role("main")).to_contain_text("หน่วยงานอนุมัติคำขอของคุณแล้ว")

        # The citizen sees it on their dashboard, and anyone with the code on /track.
        dashboard = applicant.call("GET", "/api/v1/dashboard")
        mine = next(i for i in dashboard["items"] if i["tracking_code"] == tracking)
        assert mine["status"] == "approved"
    tracked = httpx.post(
        f"{live_server.url}/track", data={"code": tracking, "last4": national_id[-4:]}
    )
    assert tracked.status_code == 200, tracked.text
    assert "อนุมัติแล้ว รับบัตรได้ที่ รพ.สต." in tracked.text
