"""My account's own pages in a real browser at 360 px: my details changed, who accessed my
data, in the order people need them; nobody else's details reachable; axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, enrol_in_browser, virtual_authenticator
from tests.e2e.test_pwa_a11y import _violations
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


def test_change_my_details_and_see_who_accessed_my_data(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="บุญมี รักษ์ดี")
    page.goto(f"{live_server.url}/#/account")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2).first).to_have_text("ข้อมูลของฉัน")
    # The order people need: details, the links, passkeys … and sign out last.
    headings = main.get_by_role("heading", level=2).all_inner_texts()
    assert headings[0] == "ข้อมูลของฉัน" and headings[-1] == "ออกจากระบบ"
    assert headings.index("พาสคีย์ของฉัน") < headings.index("ลบบัญชีของฉัน")
    nav = main.get_by_role("navigation", name="ในบัญชีของฉัน")
    expect(nav.get_by_role("link", name="การแจ้งเตือน")).to_be_visible()
    expect(nav.get_by_role("link", name="เอกสารของฉัน")).to_have_attribute("href", "#/documents")
    expect(main.get_by_role("button", name="ออกจากระบบ", exact=True)).to_have_class("secondary")
    parts = (
        national_id[0],
        national_id[1:5],
        national_id[5:10],
        national_id[10:12],
        national_id[12],
    )
    grouped = " ".join(parts)
    expect(main).to_contain_text(grouped)
    assert _violations(page, axe_source) == []

    # A wrong phone says exactly what is wrong, beside the field and in a linked summary.
    main.get_by_role("button", name="แก้ไขเบอร์โทรศัพท์และที่อยู่").click()
    phone = page.get_by_label("เบอร์โทรศัพท์")
    phone.fill("12345")
    page.get_by_role("button", name="บันทึกข้อมูล").click()
    expect(page.locator("#profile-phone-input-error")).to_contain_text("9 หรือ 10 หลัก")
    page.locator(".error-summary").get_by_role("link").click()
    expect(phone).to_be_focused()
    phone.fill("089-555-1234")
    page.get_by_label("ที่อยู่").fill("7 หมู่ 3 ต.โนนสูง อ.เมือง จ.ขอนแก่น 40000")
    assert _violations(page, axe_source) == []
    page.get_by_role("button", name="บันทึกข้อมูล").click()
    expect(page.get_by_role("status").filter(has_text="บันทึกข้อมูลแล้ว")).to_be_visible()
    expect(page.locator("#profile-phone")).to_have_text("0895551234")
    expect(page.locator("#profile-address")).to_have_text("7 หมู่ 3 ต.โนนสูง อ.เมือง จ.ขอนแก่น 40000")
    assert live_server.sql(
        "SELECT phone FROM account WHERE national_id_index = ?", live_server.index_of(national_id)
    ) == [("0895551234",)]

    # Who accessed my data: the change just made, by me, newest first.
    nav.get_by_role("link", name="ใครเข้าถึงข้อมูลของฉัน").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ใครเข้าถึงข้อมูลของฉัน")
    first = page.locator("main li.card").first
    expect(first).to_contain_text("คุณ")
    expect(first).to_contain_text("เปลี่ยนแปลง บัญชีของคุณ")
    assert _violations(page, axe_source) == []
    page.get_by_role("link", name="กลับไปบัญชีของฉัน").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("บัญชีของฉัน")

    # Large text on a phone too: chosen here, kept for the next visit.
    large = page.get_by_role("button", name="ตัวอักษรใหญ่")
    expect(large).to_have_attribute("aria-pressed", "false")
    large.click()
    expect(page.locator("html")).to_have_class("large-text")
    page.reload()
    expect(page.locator("html")).to_have_class("large-text")
    expect(page.get_by_role("button", name="ตัวอักษรใหญ่")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_english_and_a_narrow_phone(page: Page, live_server: LiveServer) -> None:
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, thai_id(), name="Somchai Jaidee")
    page.goto(f"{live_server.url}/#/account")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("My details")
    page.goto(f"{live_server.url}/#/account?show=activity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who accessed my data")
    widest = page.evaluate("() => document.documentElement.scrollWidth")
    assert widest <= 360


def test_first_run_groups_the_id_says_what_comes_and_links_privacy(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    page.goto(f"{live_server.url}/#/enrol")
    page.get_by_role("button", name="สร้างพาสคีย์และบัญชี").wait_for()
    number = page.get_by_label("เลขประจำตัวประชาชน 13 หลัก")
    number.press_sequentially("1234567890123")
    expect(number).to_have_value("1 2345 67890 12 3")  # as on the card
    number.press("Backspace")
    number.press_sequentially("1")
    expect(number).to_have_value("1 2345 67890 12 1")
    expect(page.get_by_role("main")).to_contain_text("โทรศัพท์จะขอให้สแกนลายนิ้วมือ ใบหน้า")
    # Nothing else filled: the summary's lines take the citizen to each field.
    page.get_by_role("button", name="สร้างพาสคีย์และบัญชี").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link").last.click()
    expect(page.get_by_label("ชื่อ-นามสกุล")).to_be_focused()
    assert _violations(page, axe_source) == []
    page.get_by_role("link", name="อ่านประกาศความเป็นส่วนตัวฉบับเต็ม").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ประกาศความเป็นส่วนตัว")
    expect(page.get_by_role("main")).to_contain_text("1111")
    assert _violations(page, axe_source) == []
