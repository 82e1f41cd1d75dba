"""A district-office kiosk in a real browser (issue 8, point 8): an administrator registers it
→ the browser activates as it → the operator makes a passkey from an invitation (CDP virtual
authenticator), signs out, and signs in with it at the kiosk → an assisted session for a
citizen without a phone (enrolled after the ID-card check) → consent in person → an
application with a document upload → the receipt (tracking code and QR) → the visit ends
after 3 idle minutes (Playwright's clock, not a shorter production timeout) → nothing of the
citizen is left in the browser → /track shows it. And consent with the citizen's own passkey
on a browser without WebAuthn's JSON helpers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, CDPSession, Page, Request, expect

from tests.e2e.conftest import LiveServer, enrol_in_browser, submit_form, virtual_authenticator
from tests.e2e.staff import admin, forget_rate_limits
from tests.e2e.test_pwa_a11y import _violations
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALLOWED_COOKIES = {"portal_kiosk", "portal_kiosk_mode", "portal_session", "portal_csrf"}
"""What may stay: the kiosk's device credential (and the page's "this is a kiosk" mark) and the
operator's session (and its CSRF token)."""


def _axe_in_both_languages(page: Page, axe_source: str, heading: str) -> None:
    assert _violations(page, axe_source) == []
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(heading)
    assert _violations(page, axe_source) == []
    page.get_by_role("button", name="ไทย").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def _kiosk_and_operator(
    live_server: LiveServer, office: tuple[str, str, str], operator: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An administrator registers a kiosk at `office` (name, district, province) and invites
    an operator: the kiosk's activation code and the operator's invitation."""
    forget_rate_limits(live_server)
    name, district, province = office
    with admin(live_server) as boss:
        kiosk = boss.call(
            "POST",
            "/api/v1/admin/kiosks",
            {"name": name, "district": district, "province": province},
        )
        invitation = boss.call(
            "POST", "/api/v1/admin/invitations", {"role": "operator", "full_name": operator}
        )
    return kiosk, invitation


def _operator_at_kiosk(
    page: Page, live_server: LiveServer, office: tuple[str, str, str], operator: str
) -> tuple[CDPSession, str]:
    """A kiosk at `office` in `page`'s browser, `operator` signed in there with the passkey
    from their invitation: the page's virtual authenticator (CDP session and id)."""
    kiosk, invitation = _kiosk_and_operator(live_server, office, operator)
    authenticator = virtual_authenticator(page)
    page.goto(f"{live_server.url}/#/kiosk/activate?code={kiosk['code']}")
    page.get_by_role("button", name="เปิดใช้งานเครื่องบริการ").click()
    expect(page.get_by_text("เครื่องนี้ใช้ร่วมกัน")).to_be_visible()
    page.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
    page.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการประชาชน")
    return authenticator


def _storage(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """async () => ({
            databases: (await indexedDB.databases()).map((d) => d.name),
            caches: await caches.keys(),
            local: Object.keys(localStorage),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
        })"""
    )
    found["cookies"] = sorted(c["name"] for c in page.context.cookies())
    return found


def _requests_in_flight(page: Page) -> set[Request]:
    """The page's requests still waiting for their answer, kept up to date from now on."""
    waiting: set[Request] = set()
    page.on("request", lambda request: waiting.add(request))
    page.on("requestfinished", lambda request: waiting.discard(request))
    page.on("requestfailed", lambda request: waiting.discard(request))
    return waiting


def _wait_until_answered(page: Page, waiting: set[Request]) -> None:
    for _ in range(300):
        if not waiting:
            break
        page.wait_for_timeout(100)
    assert not waiting, [r.url for r in waiting]
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # its handler has run


def test_assisted_visit_from_activation_to_an_empty_kiosk(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    kiosk, invitation = _kiosk_and_operator(
        live_server, ("สำนักงานเขตบางรัก", "บางรัก", "กรุงเทพมหานคร"), "วิไล บริการ"
    )
    page.context.add_init_script("window.print = () => { window.printed = true; }")
    page.clock.install()
    in_flight = _requests_in_flight(page)
    virtual_authenticator(page)

    # A browser that was somebody's before (a service worker, caches) becomes the kiosk.
    page.goto(f"{live_server.url}/#/kiosk/activate?code={kiosk['code']}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    page.get_by_role("button", name="เปิดใช้งานเครื่องบริการ").click()
    expect(page.get_by_text("เครื่องนี้ใช้ร่วมกัน")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("เครื่องบริการ")
    expect(page.get_by_role("button", name="ติดตั้งแอป")).to_be_hidden()
    page.get_by_role("button", name="ตัวอักษรใหญ่").click()
    expect(page.get_by_role("button", name="ตัวอักษรใหญ่")).to_have_attribute("aria-pressed", "true")

    # The operator's first passkey, from their invitation, on this kiosk.
    page.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
    page.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการประชาชน")

    # That session ends (as the kiosk signs out an idle operator); the device stays a kiosk.
    signed_out = page.evaluate(
        """async () => (await fetch('/api/v1/auth/signout', {
            method: 'POST',
            headers: {'x-csrf-token': document.cookie.match(/portal_csrf=([^;]+)/)[1]},
        })).status"""
    )
    assert signed_out == 200
    cookies = {c["name"] for c in page.context.cookies()}
    assert "portal_kiosk" in cookies and "portal_session" not in cookies
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("เครื่องบริการ")
    expect(page.get_by_text("เครื่องนี้ใช้ร่วมกัน")).to_be_visible()

    # The operator signs in with the kiosk's own button and the same passkey.
    page.get_by_role("button", name="เจ้าหน้าที่เข้าสู่ระบบ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการประชาชน")
    assert live_server.sql(
        "SELECT a.action FROM audit_log a JOIN account o ON o.id = a.actor_account_id "
        "WHERE o.full_name = ? AND a.action IN ('session.signed_out', 'signin.succeeded') "
        "ORDER BY a.id",
        "วิไล บริการ",
    ) == [("session.signed_out",), ("signin.succeeded",)]
    expect(
        page.get_by_text(re.compile(r"เจ้าหน้าที่: วิไล บริการ · ออกจากระบบอัตโนมัติใน 1[34]:"))
    ).to_be_visible()
    _axe_in_both_languages(page, axe_source, "ให้บริการประชาชน")

    # A citizen without a phone (and no account): enrolled after the ID-card check.
    national_id = thai_id()
    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_role("button", name="ประชาชนที่ยังไม่มีบัญชี").click()
    page.get_by_label("ชื่อ-นามสกุล").fill("บุญมี ไม่มีโทรศัพท์")
    page.get_by_role("button", name="สมัครและเริ่มให้บริการ").click()
    expect(page.get_by_text("ต้องตรวจบัตรประชาชนก่อน").first).to_be_visible()
    page.get_by_label("ฉันตรวจบัตรประชาชนตัวจริงของผู้รับบริการแล้ว").check()
    page.get_by_label("ชื่อ-นามสกุล").fill("บุญมี ไม่มีโทรศัพท์")
    page.get_by_role("button", name="สมัครและเริ่มให้บริการ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอความยินยอม")
    expect(page.get_by_text("ตรวจบัตรประชาชนต่อหน้าแล้ว")).to_be_visible()
    expect(page.get_by_role("heading", name="พาสคีย์ของผู้รับบริการ")).to_have_count(0)
    _axe_in_both_languages(page, axe_source, "ขอความยินยอม")

    page.get_by_role("button", name="บันทึกความยินยอม").click()
    expect(page.get_by_text("ต้องตรวจบัตรประชาชนก่อน")).to_be_visible()
    page.get_by_label("ผู้รับบริการให้ความยินยอมต่อหน้า และฉันตรวจบัตรประชาชนแล้ว").check()
    page.get_by_role("button", name="บันทึกความยินยอม").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการ บุญมี ไม่มีโทรศัพท์")
    expect(page.get_by_text("บันทึกความยินยอมต่อหน้าแล้ว")).to_be_visible()
    _axe_in_both_languages(page, axe_source, "ให้บริการ บุญมี ไม่มีโทรศัพท์")

    # Acting for the citizen with the citizen's own screens: apply, with a document upload.
    page.get_by_role("link", name="ค้นหาบริการและยื่นคำขอ").click()
    page.get_by_role("searchbox").fill("เบี้ยยังชีพผู้สูงอายุ")
    page.get_by_role("link", name="ลงทะเบียนรับเบี้ยยังชีพผู้สูงอายุ").click()
    page.get_by_role("link", name="ยื่นคำขอออนไลน์").click()
    expect(page.get_by_label("ชื่อ-นามสกุล")).to_have_value("บุญมี ไม่มีโทรศัพท์")
    page.get_by_label("ที่อยู่ปัจจุบัน").fill("12 ถนนสีลม บางรัก กรุงเทพมหานคร")
    page.get_by_label("วันที่", exact=True).select_option("5")
    page.get_by_label("เดือน", exact=True).select_option("3")
    page.get_by_label("ปี พ.ศ.").fill("2500")
    page.locator("fieldset").filter(has_text="ช่องทางรับเงิน").locator("label").first.click()
    page.locator("input[type=file]").set_input_files(
        {"name": "bank.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(page.get_by_text("อัปโหลดแล้ว")).to_be_visible()
    submit_form(page)
    sent = page.get_by_role("region", name="ยื่นคำขอเรียบร้อยแล้ว")
    expect(sent).to_be_visible()
    code = re.fullmatch(r"[A-Z]+-[A-Z0-9]{4}-[A-Z0-9]{2}", sent.locator(".code-big").inner_text())
    assert code, sent.inner_text()
    tracking = code.group(0)
    assert page.evaluate("() => indexedDB.databases()") == []  # no copies, drafts or outbox

    # The receipt: its own window, printed at once; tracking code and QR codes.
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="พิมพ์ใบรับเรื่อง").click()
    receipt = opened.value
    expect(receipt.locator(".receipt-code")).to_have_text(tracking)
    expect(receipt.locator(".receipt-qr svg")).to_have_count(2)
    receipt.wait_for_function("() => window.printed === true")
    # The serving screens speak to the operator about the citizen, by name.
    page.evaluate("() => { location.hash = '#/dashboard'; }")
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของ บุญมี ไม่มีโทรศัพท์")
    expect(page.get_by_role("main")).not_to_contain_text("คำขอของฉัน")

    # Three minutes without a touch: the visit ends, the kiosk starts over with nothing left.
    serving = page.get_by_text(re.compile(r"สิ้นสุดใน [23]:\d\d หากไม่มีการใช้งาน"))
    expect(serving).to_be_visible()
    # The countdown starts at the server's last answer: one still on its way (a slow machine)
    # would start it again after the jump.
    _wait_until_answered(page, in_flight)
    page.clock.fast_forward("02:30")
    expect(page.get_by_role("alert").filter(has_text="ใกล้สิ้นสุด")).to_be_visible()
    with page.expect_navigation():
        page.clock.fast_forward("00:30")
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการประชาชน")
    expect(page.get_by_text("กำลังให้บริการ")).to_have_count(0)
    assert receipt.is_closed()
    storage = _storage(page)
    assert storage == {
        "databases": [],
        "caches": [],
        "local": [],
        "workers": 0,
        "cookies": storage["cookies"],
    }
    assert set(storage["cookies"]) <= ALLOWED_COOKIES
    assert "portal_kiosk" in storage["cookies"]
    # The page's own timer ended it (the server's clock did not move): recorded as a timeout.
    assert live_server.sql(
        "SELECT l.detail FROM audit_log l JOIN account a ON a.id = l.subject_account_id "
        "WHERE a.national_id_index = ? AND l.action = 'assisted.ended'",
        live_server.index_of(national_id),
    ) == [('{"reason": "timeout"}',)]

    # The application is the citizen's: /track finds it with the last 4 digits of the ID.
    tracked = httpx.post(
        f"{live_server.url}/track", data={"code": tracking, "last4": national_id[-4:]}
    )
    assert tracked.status_code == 200, tracked.text
    assert "ยื่นแล้ว" in tracked.text


def test_a_citizen_approves_the_assisted_visit_on_their_own_phone(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    _operator_at_kiosk(
        page, live_server, ("ที่ว่าการอำเภอเมืองขอนแก่น", "เมือง", "ขอนแก่น"), "สมพร ช่วยเหลือ"
    )

    # The citizen's own phone: another browser profile with its own passkey and account.
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
    phone = phone_context.new_page()
    virtual_authenticator(phone)
    national_id = thai_id()
    enrol_in_browser(phone, live_server.url, national_id, name="สมศรี มีโทรศัพท์")

    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอความยินยอม")
    page.get_by_role("button", name="แสดงคิวอาร์โค้ด").click()
    shown = page.get_by_text(re.compile(r"หรือใส่รหัส \S+"))
    expect(shown).to_be_visible()
    expect(page.get_by_role("img", name="คิวอาร์โค้ดสำหรับอนุมัติบนโทรศัพท์")).to_be_visible()
    code = shown.inner_text().removeprefix("หรือใส่รหัส ").strip()

    # On the phone: the approval screen (the QR code's link), approved by the citizen.
    phone.goto(f"{live_server.url}/#/kiosk-consent?code={code}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("อนุญาตให้เจ้าหน้าที่ดำเนินการแทน")
    expect(phone.get_by_text("สมศรี มีโทรศัพท์")).to_be_visible()
    phone.get_by_label("รหัสอนุมัติ").fill(code)
    phone.get_by_role("button", name="อนุมัติ", exact=True).click()
    expect(phone.get_by_role("status")).to_contain_text("อนุมัติแล้ว")

    # The kiosk notices by itself and starts serving the citizen.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "ให้บริการ สมศรี มีโทรศัพท์", timeout=20_000
    )
    expect(page.get_by_text("ผู้รับบริการอนุมัติบนโทรศัพท์แล้ว")).to_be_visible()
    assert live_server.sql(
        "SELECT s.consent_method FROM assisted_session s JOIN account a ON a.id = s.citizen "
        "WHERE a.national_id_index = ?",
        live_server.index_of(national_id),
    ) == [("phone_approval",)]
    phone_context.close()


def test_a_citizen_confirms_with_their_own_passkey_on_an_older_browser(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    # A kiosk browser without WebAuthn's JSON helpers: the page falls back to base64url.
    page.context.add_init_script(
        "delete PublicKeyCredential.parseRequestOptionsFromJSON;"
        "delete PublicKeyCredential.prototype.toJSON;"
    )
    kiosk_cdp, kiosk_authenticator = _operator_at_kiosk(
        page, live_server, ("ที่ว่าการอำเภอเมืองเชียงใหม่", "เมือง", "เชียงใหม่"), "มานี ใจดี"
    )

    # The citizen's passkey, made on their phone, brought to the kiosk (as on a security key).
    phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
    phone = phone_context.new_page()
    phone_cdp, phone_authenticator = virtual_authenticator(phone)
    national_id = thai_id()
    enrol_in_browser(phone, live_server.url, national_id, name="ชูใจ มีพาสคีย์")
    made = phone_cdp.send("WebAuthn.getCredentials", {"authenticatorId": phone_authenticator})
    for credential in made["credentials"]:
        kiosk_cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": kiosk_authenticator, "credential": credential},
        )
    phone_context.close()

    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page.get_by_role("heading", name="พาสคีย์ของผู้รับบริการ")).to_be_visible()
    page.get_by_role("button", name="ยืนยันด้วยพาสคีย์").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการ ชูใจ มีพาสคีย์")
    expect(page.get_by_text("ผู้รับบริการยืนยันด้วยพาสคีย์แล้ว")).to_be_visible()
    assert live_server.sql(
        "SELECT s.consent_method FROM assisted_session s JOIN account a ON a.id = s.citizen "
        "WHERE a.national_id_index = ?",
        live_server.index_of(national_id),
    ) == [("citizen_passkey",)]


@pytest.mark.parametrize("failed_loads_expected", [True])  # the kiosk check, cut on purpose
def test_a_kiosk_that_starts_offline_stays_a_kiosk(page: Page, live_server: LiveServer) -> None:
    """The browser comes up while the office's line is down (the page from the browser's
    cache, the kiosk's own check failing): it is still the shared kiosk, never the phone app
    that would keep what it is shown."""
    kiosk, _ = _kiosk_and_operator(live_server, ("ที่ว่าการอำเภอพล", "พล", "ขอนแก่น"), "สมหมาย ออฟไลน์")
    page.goto(f"{live_server.url}/#/kiosk/activate?code={kiosk['code']}")
    page.get_by_role("button", name="เปิดใช้งานเครื่องบริการ").click()
    expect(page.get_by_text("เครื่องนี้ใช้ร่วมกัน")).to_be_visible()
    page.route("**/api/v1/kiosk/device", lambda route: route.abort("internetdisconnected"))
    page.reload()
    expect(page.get_by_text("เครื่องนี้ใช้ร่วมกัน")).to_be_visible()
    assert page.evaluate("() => Object.keys(localStorage)") == []


@pytest.mark.parametrize("failed_loads_expected", [True])  # the refused consent, a 409
def test_in_person_consent_for_a_citizen_with_a_passkey_needs_a_supervisor(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    """The citizen's phone was lost (their passkey is on it): in-person consent is refused
    until a supervisor confirms with their own passkey and a reason; the citizen is told."""
    office = ("ที่ว่าการอำเภอน้ำพอง", "น้ำพอง", "ขอนแก่น")
    kiosk_cdp, kiosk_authenticator = _operator_at_kiosk(page, live_server, office, "สุดา ผู้ให้บริการ")
    operator_keys = kiosk_cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": kiosk_authenticator}
    )

    def device() -> tuple[Any, Page, CDPSession, str]:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
        other = context.new_page()
        cdp, authenticator = virtual_authenticator(other)
        return context, other, cdp, authenticator

    lost_context, lost_phone, _, _ = device()
    national_id = thai_id()
    enrol_in_browser(lost_phone, live_server.url, national_id, name="บุญมี ทำโทรศัพท์หาย")
    lost_context.close()
    # The supervisor's passkey, made on their own phone, used on the kiosk (a security key).
    with admin(live_server) as boss:
        invitation = boss.call(
            "POST", "/api/v1/admin/invitations", {"role": "operator", "full_name": "หัวหน้า สมพร"}
        )
    boss_context, boss_phone, boss_cdp, boss_authenticator = device()
    boss_phone.goto(f"{live_server.url}/#/invitation?code={invitation['code']}")
    boss_phone.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    # (Not at a kiosk, an operator is shown how to set one up.)
    expect(boss_phone.get_by_role("heading", level=1)).to_have_text("ตั้งค่าเครื่องบริการ")
    made = boss_cdp.send("WebAuthn.getCredentials", {"authenticatorId": boss_authenticator})
    boss_context.close()
    for credential in operator_keys["credentials"]:  # only the supervisor's answers now
        kiosk_cdp.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": kiosk_authenticator, "credentialId": credential["credentialId"]},
        )
    for credential in made["credentials"]:
        kiosk_cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": kiosk_authenticator, "credential": credential},
        )

    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    page.get_by_label("ผู้รับบริการให้ความยินยอมต่อหน้า และฉันตรวจบัตรประชาชนแล้ว").check()
    page.get_by_role("button", name="บันทึกความยินยอม").click()
    expect(page.get_by_text("ผู้รับบริการรายนี้ยืนยันเองได้").first).to_be_visible()
    page.get_by_label("เหตุผล").fill("โทรศัพท์หาย ตรวจบัตรแล้ว")
    page.get_by_role("button", name="หัวหน้ายืนยันด้วยพาสคีย์").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ให้บริการ บุญมี ทำโทรศัพท์หาย")
    assert live_server.sql(
        "SELECT s.consent_method FROM assisted_session s JOIN account a ON a.id = s.citizen "
        "WHERE a.national_id_index = ?",
        live_server.index_of(national_id),
    ) == [("in_person_override",)]
    told = live_server.sql(
        "SELECT n.text_th FROM notification n JOIN account a ON a.id = n.account "
        "WHERE a.national_id_index = ? AND n.kind = 'security'",
        live_server.index_of(national_id),
    )
    assert any("หัวหน้าเจ้าหน้าที่อนุมัติ" in text for (text,) in told)
