"""Visits to the district office in Chromium (issue 17, points 7-10): a citizen books a time
for an application, sees it on the dashboard and the application (Thai dates in the Buddhist
era), moves it, downloads the .ics and cancels it; the last place taken meanwhile gives the
next free times; offline the copy shows the visit and booking says it needs the network; a
delegate with the apply power books for the grantor, one without it is told why not; the
kiosk checks a citizen in and prints only the queue ticket; the officer sees the arrival."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from backend.lib.i18n import format_datetime
from tests.e2e.conftest import (
    LiveServer,
    enrol_in_browser,
    eventually,
    virtual_authenticator,
    wait_for_service_worker,
)
from tests.e2e.staff import admin, citizen, forget_rate_limits
from tests.e2e.test_fee_screen import _apply_id_card
from tests.e2e.test_kiosk_screens import _axe_in_both_languages, _operator_at_kiosk
from tests.e2e.test_pwa_a11y import _violations
from tests.e2e.visits import book_in_page, come_now, local, publish
from tests.support.applications import HEALTH_ANSWERS
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _th(moment: dt.datetime) -> str:
    """A time as the Thai screens show it: Bangkok time, Buddhist era, "น."."""
    return f"{format_datetime(moment, 'th')} น."


def _visit(page: Page) -> Locator:
    return page.get_by_role("region", name="นัดหมายที่สำนักงาน")


def _choose(page: Page, moment: dt.datetime, office: str, button: str) -> None:
    page.get_by_label(re.compile(re.escape(f"{_th(moment)} · {office}"))).check()
    page.get_by_role("button", name=button).click()


def test_a_citizen_books_moves_downloads_and_cancels_a_visit(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    live_server.forget_rate_limits()
    office = "ที่ว่าการอำเภอบ้านไผ่ (จองเอง)"
    first, second = local(3, 9), local(4, 13, 30)
    publish(live_server, "DOPA", "id-card-replacement", office, (first, 2), (second, 2))
    page.set_viewport_size({"width": 360, "height": 740})
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="สมชาย ใจดี")
    app = _apply_id_card(page, national_id)

    page.goto(f"{live_server.url}/#/applications/{app['id']}")
    visit = _visit(page)
    expect(visit).to_contain_text("บริการนี้ต้องไปที่สำนักงานด้วยตนเอง")
    visit.get_by_role("button", name="เลือกเวลานัด").click()
    _choose(page, first, office, "จองเวลานี้")
    expect(page.get_by_role("status").filter(has_text=f"จองแล้ว: {_th(first)}")).to_be_visible()
    assert str(first.year + 543) in _th(first)  # the Buddhist era
    visit = _visit(page)
    expect(visit).to_contain_text(office)
    reference = visit.locator(".visit-ref").inner_text()
    expect(
        visit.get_by_role("img", name=f"คิวอาร์โค้ดเลขที่การจอง {reference} สำหรับเช็กอินที่ตู้บริการ")
    ).to_be_visible()
    expect(visit).to_contain_text("เลื่อนหรือยกเลิกทางออนไลน์ได้ถึง")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    _axe_in_both_languages(page, axe_source, page.get_by_role("heading", level=1).inner_text())

    page.goto(f"{live_server.url}/#/dashboard")
    card = page.locator(".card").filter(has_text=app["tracking_code"])
    expect(card).to_contain_text(f"นัดหมาย: {_th(first)} · {office}")
    assert _violations(page, axe_source) == []

    page.goto(f"{live_server.url}/#/applications/{app['id']}")
    _visit(page).get_by_role("button", name="เลื่อนนัด").click()
    _choose(page, second, office, "ยืนยันเวลาใหม่")
    expect(page.get_by_role("status").filter(has_text=f"เลื่อนนัดแล้ว: {_th(second)}")).to_be_visible()
    expect(_visit(page).locator(".visit-when")).to_have_text(_th(second))

    with page.expect_download() as downloading:
        _visit(page).get_by_role("link", name="บันทึกลงปฏิทิน (.ics)").click()
    download = downloading.value
    assert download.suggested_filename == f"appointment-{reference}.ics"
    ics = Path(download.path()).read_bytes().decode().replace("\r\n ", "")  # unfolded
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert f"DTSTART:{second.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in ics
    assert f"UID:booking-{reference}@" in ics and "STATUS:CONFIRMED" in ics
    assert office in ics

    cancel = _visit(page).get_by_role("button", name="ยกเลิกนัด")
    cancel.click()
    expect(_visit(page)).to_contain_text("ยกเลิกนัดนี้หรือไม่")
    cancel.click()
    expect(page.get_by_role("status").filter(has_text="ยกเลิกนัดแล้ว")).to_be_visible()
    expect(_visit(page).get_by_role("button", name="เลือกเวลานัด")).to_be_visible()
    page.goto(f"{live_server.url}/#/dashboard")
    expect(page.locator(".card").filter(has_text=app["tracking_code"])).not_to_contain_text(
        "นัดหมาย:"
    )


@pytest.mark.parametrize("failed_loads_expected", [True])  # the 409 it is about
def test_the_last_place_taken_meanwhile_offers_the_next_free_times(
    page: Page, live_server: LiveServer, axe_source: str, failed_loads_expected: bool
) -> None:
    del failed_loads_expected
    live_server.forget_rate_limits()
    office = "สำนักทะเบียนอำเภอพล"
    last, later, next_day = local(5, 10), local(5, 11), local(6, 10)
    slots = publish(
        live_server, "DOPA", "house-registration-move", office, (last, 1), (later, 1), (next_day, 1)
    )["slots"]
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, thai_id())
    # A service that needs a visit before applying offers it on its page.
    page.goto(f"{live_server.url}/#/services/house-registration-move")
    page.get_by_role("link", name="จองเวลาไปที่สำนักงาน").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("นัดหมายก่อนยื่นคำขอ")
    _visit(page).get_by_role("button", name="เลือกเวลานัด").click()
    expect(page.get_by_label(re.compile(re.escape(_th(last))))).to_be_visible()

    with citizen(live_server, thai_id(), full_name="ผู้จอง ก่อน") as other:
        other.call("POST", "/api/v1/appointments", {"slot_id": slots[0]})
    _choose(page, last, office, "จองเวลานี้")
    refusal = page.get_by_role("alert").filter(has_text="เวลาที่เลือกเพิ่งเต็ม")
    expect(refusal).to_contain_text("กรุณาเลือกเวลาถัดไปที่ยังว่างด้านล่าง")
    expect(page.get_by_label(re.compile(re.escape(_th(last))))).to_have_count(0)
    expect(page.get_by_label(re.compile(re.escape(_th(next_day))))).to_be_visible()
    assert _violations(page, axe_source) == []
    _choose(page, later, office, "จองเวลานี้")
    expect(page.get_by_role("status").filter(has_text=f"จองแล้ว: {_th(later)}")).to_be_visible()

    page.goto(f"{live_server.url}/#/dashboard")
    visits = page.get_by_role("region", name="นัดหมายที่สำนักงาน")
    expect(visits).to_contain_text(f"{_th(later)} · {office}")
    visits.get_by_role("link", name=re.compile("นัดก่อนยื่นคำขอ: ")).click()
    expect(_visit(page).locator(".visit-when")).to_have_text(_th(later))


@pytest.mark.parametrize("failed_loads_expected", [True])  # what it asks for offline
def test_offline_the_visit_shows_from_the_copy_and_booking_needs_the_network(
    page: Page, live_server: LiveServer, failed_loads_expected: bool
) -> None:
    del failed_loads_expected
    live_server.forget_rate_limits()
    office = "ที่ว่าการอำเภอชนบท"
    when = local(8, 9)
    [slot] = publish(live_server, "DOPA", "id-card-replacement", office, (when, 5))["slots"]
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id)
    wait_for_service_worker(page)
    booked, other = _apply_id_card(page, national_id), _apply_id_card(page, national_id)
    book_in_page(page, slot, booked["id"])
    for app in (booked, other):  # the phone keeps what the citizen has seen
        page.goto(f"{live_server.url}/#/applications/{app['id']}")
        expect(_visit(page)).to_be_visible()
    page.goto(f"{live_server.url}/#/dashboard")
    line = f"นัดหมาย: {_th(when)} · {office}"
    expect(page.locator(".card").filter(has_text=booked["tracking_code"])).to_contain_text(line)
    eventually(  # the visit's code and words, kept once used
        page,
        """async () => { const src = document.querySelector('script[src$="/js/app.js"]').src;
            const kept = await Promise.all(['./visit.js', '../i18n/appointments/th.json']
                .map((p) => caches.match(new URL(p, src).href)));
            return kept.every(Boolean); }""",
    )

    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".card").filter(has_text=booked["tracking_code"])).to_contain_text(line)
    page.goto(f"{live_server.url}/#/applications/{booked['id']}")
    expect(_visit(page).locator(".visit-when")).to_have_text(_th(when))
    _visit(page).get_by_role("button", name="เลื่อนนัด").click()
    expect(page.get_by_role("alert").filter(has_text="ต้องใช้อินเทอร์เน็ต")).to_be_visible()
    page.goto(f"{live_server.url}/#/applications/{other['id']}")
    _visit(page).get_by_role("button", name="เลือกเวลานัด").click()
    expect(_visit(page).get_by_role("alert")).to_contain_text("ระบบไม่เก็บไว้ส่งภายหลัง")
    page.context.set_offline(False)


def test_a_delegate_books_for_the_grantor_only_with_the_apply_power(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    forget_rate_limits(live_server)
    office = "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา"
    when = local(7, 10)
    publish(live_server, "NHSO", "change-health-unit", office, (when, 3))
    mother_id = thai_id()
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    with citizen(live_server, mother_id, full_name="ยายบุญมา ใจดี") as mother:
        applied = mother.call(
            "POST",
            "/api/v1/applications",
            {
                "service": "change-health-unit",
                "answers": {**HEALTH_ANSWERS, "national_id": mother_id},
                "submit": True,
            },
            **{"idempotency-key": str(uuid.uuid4())},
        )
        follows = mother.call(
            "POST",
            "/api/v1/delegations",
            {"powers": ["follow"], "services": [], "valid_until": until},
        )
        applies = mother.call(
            "POST",
            "/api/v1/delegations",
            {"powers": ["follow", "apply"], "services": [], "valid_until": until},
        )

        def act_for(tab: Page, invitation: str, name: str) -> None:
            virtual_authenticator(tab)
            enrol_in_browser(tab, live_server.url, thai_id(), name=name)
            tab.goto(f"{live_server.url}/#/delegate?invitation={invitation}")
            tab.get_by_role("button", name="รับมอบอำนาจ").click()
            tab.get_by_role("button", name="ทำรายการแทน ยายบุญมา ใจดี").click()
            expect(tab.get_by_role("region", name="กำลังทำรายการแทน")).to_be_visible()
            tab.goto(f"{live_server.url}/#/applications/{applied['id']}")
            _visit(tab).get_by_role("button", name="เลือกเวลานัด").click()
            _choose(tab, when, office, "จองเวลานี้")

        context = browser.new_context()
        try:
            son = context.new_page()
            act_for(son, follows["invitation"], "สมศักดิ์ ลูกชาย")
            expect(_visit(son).get_by_role("alert")).to_contain_text(
                "ไม่ได้รับมอบอำนาจให้ยื่นคำขอหรือจองนัดแทน"
            )
        finally:
            context.close()
        assert mother.call("GET", "/api/v1/appointments")["items"] == []

        act_for(page, applies["invitation"], "สมใจ ลูกสาว")
        expect(page.get_by_role("status").filter(has_text=f"จองแล้ว: {_th(when)}")).to_be_visible()
        [booking] = mother.call("GET", "/api/v1/appointments")["items"]
        assert (booking["application_id"], booking["status"]) == (applied["id"], "booked")


@pytest.mark.parametrize("failed_loads_expected", [True])  # the 404 of a wrong reference
def test_the_kiosk_prints_the_queue_ticket_and_the_officer_sees_the_arrival(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    axe_source: str,
    failed_loads_expected: bool,
) -> None:
    del failed_loads_expected
    office = "ที่ว่าการอำเภอเมืองขอนแก่น"
    made = publish(live_server, "DOPA", "birth-registration", office, (local(3, 10), 3))
    [slot] = made["slots"]
    with citizen(live_server, thai_id(), full_name="สมพร มาตามนัด") as visitor:
        booking = visitor.call("POST", "/api/v1/appointments", {"slot_id": slot})
    come_now(live_server, slot)  # the day has come

    _operator_at_kiosk(page, live_server, ("ศูนย์บริการขอนแก่น", "เมือง", "ขอนแก่น"), "พนักงาน เช็กอิน")
    page.get_by_role("link", name="เช็กอินตามนัดหมาย").click()
    _axe_in_both_languages(page, axe_source, "เช็กอินตามนัดหมาย")
    code = page.get_by_label("เลขที่การจองหรือรหัสติดตาม")
    code.fill("NOTAREF1")
    code.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("ไม่พบการนัดหมายนี้")
    code.fill(booking["reference"].lower())  # as a scanner or a person types it
    code.press("Enter")
    ticket = page.get_by_role("region", name="บัตรคิวหมายเลข 001")
    expect(ticket.locator(".ticket-number")).to_have_text("001")
    expect(
        ticket.get_by_role("img", name=f"คิวอาร์โค้ดเลขที่การจอง {booking['reference']}")
    ).to_be_visible()
    expect(ticket).to_contain_text(office)
    assert _violations(page, axe_source) == []

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    ticket.get_by_role("button", name="พิมพ์บัตรคิว").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")  # what the printer gets: the ticket alone
    expect(ticket.locator(".ticket-number")).to_be_visible()
    expect(page.get_by_role("button", name="เช็กอินและออกบัตรคิว")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    page.emulate_media(media="screen")

    with admin(live_server) as boss:
        invitation = boss.call(
            "POST",
            "/api/v1/admin/invitations",
            {"role": "officer", "full_name": "ปรีชา ทะเบียน", "agency": "DOPA"},
        )
    context = browser.new_context()
    try:
        officer = context.new_page()
        virtual_authenticator(officer)
        officer.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
        officer.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
        expect(officer.get_by_role("heading", level=1)).to_have_text("คำขอของหน่วยงาน")
        officer.get_by_role("link", name="นัดหมายประจำวันของสำนักงาน").click()
        officer.get_by_label("สำนักงาน", exact=True).select_option(label=office)
        row = officer.get_by_role("row").filter(has_text="สมพร มาตามนัด")
        expect(row).to_contain_text("มาแล้ว · คิวที่ 1")
        expect(row).to_contain_text(booking["reference"])
        expect(officer.locator(".day-figures")).to_contain_text("มาแล้ว 1")
        assert _violations(officer, axe_source) == []
    finally:
        context.close()


def test_the_kiosk_checks_in_the_citizen_it_serves_by_the_id_card(
    page: Page, live_server: LiveServer
) -> None:
    office = "ที่ว่าการอำเภอเมืองขอนแก่น"
    [slot] = publish(live_server, "DOPA", "birth-registration", office, (local(3, 10), 3))["slots"]
    national_id = thai_id()
    with citizen(live_server, national_id, full_name="สมใจ ลืมโทรศัพท์") as visitor:
        visitor.call("POST", "/api/v1/appointments", {"slot_id": slot})
        come_now(live_server, slot)
        _operator_at_kiosk(page, live_server, ("ศูนย์บริการขอนแก่น", "เมือง", "ขอนแก่น"), "พนักงาน บัตร")
        # Without a citizen being served, no card stands for a reference.
        page.get_by_role("link", name="เช็กอินตามนัดหมาย").click()
        expect(page.get_by_role("button", name=re.compile("ด้วยบัตรประชาชน"))).to_have_count(0)

        page.goto(f"{live_server.url}/#/kiosk")
        page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
        page.get_by_label("ฉันตรวจบัตรประชาชนตัวจริงของผู้รับบริการแล้ว").check()
        page.get_by_role("button", name="ค้นหา", exact=True).click()
        page.get_by_role("button", name="แสดงคิวอาร์โค้ด").click()
        shown = page.get_by_text(re.compile(r"หรือใส่รหัส \S+"))
        code = shown.inner_text().removeprefix("หรือใส่รหัส ").strip()
        visitor.call("POST", "/api/v1/me/kiosk-consent", {"code": code})  # on their phone
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "ให้บริการ สมใจ ลืมโทรศัพท์", timeout=20_000
        )

    page.get_by_role("link", name="เช็กอินตามนัดหมาย").click()
    page.get_by_role("button", name="เช็กอินนัดหมายของ สมใจ ลืมโทรศัพท์ ด้วยบัตรประชาชนที่ตรวจแล้ว").click()
    ticket = page.get_by_role("region", name="บัตรคิวหมายเลข 001")
    expect(ticket).to_contain_text(office)
    assert live_server.sql(
        "SELECT b.status FROM appointment_booking b JOIN account a ON a.id = b.account "
        "WHERE a.national_id_index = ?",
        live_server.index_of(national_id),
    ) == [("checked_in",)]
