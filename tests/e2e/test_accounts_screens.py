"""Passkeys in a real browser: Chromium's CDP virtual authenticator plays the phone (a screen
lock and passkey storage), the PWA's screens drive the ceremonies against the live server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer, enrol_in_browser, logged_errors, virtual_authenticator
from tests.support.flows import thai_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGN_IN = "เข้าสู่ระบบด้วยพาสคีย์"


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> None:
    live_server.forget_rate_limits()


def _phone(browser: Browser) -> tuple[BrowserContext, Page]:
    """Another device: its own browser profile and its own authenticator."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
    page = context.new_page()
    virtual_authenticator(page)
    return context, page


def _kept(page: Page) -> dict[str, Any]:
    """What the phone keeps of the citizen: IndexedDB rows, and the service worker's copies."""
    kept: dict[str, Any] = page.evaluate(
        """async () => {
            const db = await new Promise((ok, fail) => {
                const open = indexedDB.open('portal');
                open.onsuccess = () => ok(open.result);
                open.onerror = () => fail(open.error);
            });
            const count = (name) => new Promise((ok) => {
                const request = db.transaction(name).objectStore(name).count();
                request.onsuccess = () => ok(request.result);
            });
            const kept = { data: await count('data'), drafts: await count('drafts'),
                           outbox: await count('outbox'),
                           'api copies': (await caches.keys()).includes('portal-data') };
            db.close();
            return kept;
        }"""
    )
    return kept


def _passkeys(page: Page) -> Any:
    return page.locator("main li.card")


def test_enrol_sign_out_sign_in_add_rename_and_revoke_passkeys(
    page: Page, live_server: LiveServer
) -> None:
    cdp, first = virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="มานี มีนา")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="บัญชีของฉัน")).to_be_visible()

    # Sign out: the phone forgets the account and its data; then back in without typing.
    expect(page.get_by_role("main")).to_contain_text("ยังไม่มีคำขอ")  # drawn once it is kept
    assert _kept(page)["data"] > 0  # the dashboard's copy
    nav.get_by_role("link", name="บัญชีของฉัน").click()
    expect(page.get_by_role("main")).to_contain_text("เข้าสู่ระบบในชื่อ มานี มีนา")
    expect(_passkeys(page)).to_have_count(1)
    page.evaluate(
        """() => addEventListener('hashchange', () => {
            window.accountAfterSignOut = localStorage.getItem('account');
        }, { once: true })"""
    )
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    # The sign-in screen offers the passkey in the ID field's autofill (conditional UI); the
    # virtual authenticator picks it at once, as a person would from the list.
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")
    assert page.evaluate("() => window.accountAfterSignOut") is None  # forgotten in between
    assert page.evaluate("() => JSON.parse(localStorage.getItem('account')).full_name") == (
        "มานี มีนา"
    )

    # Without autofill: the button asks for a passkey outright.
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false")
    page.goto(f"{live_server.url}/#/account")
    page.reload()
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("เข้าสู่ระบบ")
    expect(page.get_by_role("status").first).to_contain_text("ออกจากระบบแล้ว")
    expect(nav.get_by_role("link", name="เข้าสู่ระบบ")).to_be_visible()
    assert _kept(page) == {"data": 0, "drafts": 0, "outbox": 0, "api copies": False}
    page.get_by_role("button", name=SIGN_IN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")

    # Signed out everywhere, the ID-number fallback offers this account's passkeys.
    page.goto(f"{live_server.url}/#/account")
    page.get_by_role("button", name="ออกจากระบบทุกอุปกรณ์").click()
    expect(page.get_by_role("status").first).to_contain_text("ออกจากระบบทุกอุปกรณ์แล้ว")
    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill("1234567890123")
    page.get_by_role("button", name="ดำเนินการต่อ").click()
    expect(page.locator("#national_id-error")).to_contain_text("ไม่ถูกต้อง")
    expect(page.get_by_label("เลขประจำตัวประชาชน 13 หลัก")).to_have_attribute(
        "aria-describedby", re.compile("national_id-error")
    )
    page.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(national_id)
    page.get_by_role("button", name="ดำเนินการต่อ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("คำขอของฉัน")

    # Rename the first passkey, then add a second one from "another phone" (a new authenticator).
    page.goto(f"{live_server.url}/#/account")
    expect(_passkeys(page)).to_have_count(1)
    expect(_passkeys(page).first).to_contain_text("ใช้ล่าสุด")
    expect(_passkeys(page).first).to_contain_text("อยู่ในอุปกรณ์ที่สร้างเท่านั้น")
    _passkeys(page).first.get_by_role("button", name="เปลี่ยนชื่อ").click()
    page.get_by_label("ชื่อใหม่").fill("โทรศัพท์เครื่องแรก")
    page.get_by_role("button", name="บันทึก").click()
    expect(page.get_by_role("status").first).to_have_text("เปลี่ยนชื่อแล้ว")
    expect(_passkeys(page).first.get_by_role("heading")).to_have_text("โทรศัพท์เครื่องแรก")

    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    virtual_authenticator(page)
    page.get_by_role("button", name="เพิ่มพาสคีย์ในเครื่องนี้").click()
    expect(page.get_by_role("status").first).to_have_text("เพิ่มพาสคีย์แล้ว")
    expect(_passkeys(page)).to_have_count(2)

    # Revoke the new one; the last one asks first and says how to get back in.
    second = _passkeys(page).filter(has_not_text="โทรศัพท์เครื่องแรก")
    second.get_by_role("button", name="ลบพาสคีย์").click()
    second.get_by_role("alert").get_by_role("button", name="ลบพาสคีย์").click()
    expect(page.get_by_role("status").first).to_have_text("ลบพาสคีย์แล้ว")
    expect(_passkeys(page)).to_have_count(1)
    # The only passkey says what losing it means, and its remove button is not a red one.
    expect(_passkeys(page)).to_contain_text("นี่คือพาสคีย์เดียวของคุณ")
    expect(_passkeys(page).get_by_role("button", name="ลบพาสคีย์")).not_to_have_class("danger")
    _passkeys(page).get_by_role("button", name="ลบพาสคีย์").click()
    warning = _passkeys(page).get_by_role("alert")
    expect(warning).to_contain_text("เป็นพาสคีย์เดียวของคุณ")
    expect(warning).to_contain_text("ว่าการอำเภอ")
    warning.get_by_role("button", name="เก็บไว้").click()
    expect(_passkeys(page)).to_have_count(1)
    assert live_server.sql(
        "SELECT count(*) FROM passkey p JOIN account a ON a.id = p.account "
        "WHERE a.national_id_index = ? AND p.revoked_at IS NULL",
        live_server.index_of(national_id),
    ) == [(1,)]


RECOVERY_CODE = """
from backend import domains
from backend.accounts.services import issue_recovery_code
from backend.lib.cli import run_job
from backend.system.audit import Actor

domains.install()
code, _, _ = run_job(lambda: issue_recovery_code(Actor(account_id=None, role="operator"), "%s"))
print(code)
"""


def test_recovery_code_adds_a_passkey_on_another_phone(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    # An administrator accepts the invitation `portal create-admin` printed (#/invitation?code=).
    printed = live_server.portal("create-admin", "--name", "ผู้ดูแล ทดสอบ")
    invitation = re.search(r"http\S+#/invitation\?code=\S+", printed)
    assert invitation, printed
    admin_context, admin = _phone(browser)
    admin.goto(invitation.group(0))
    expect(admin.get_by_label("รหัสคำเชิญ")).not_to_have_value("")
    admin.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("บัญชีของฉัน")
    expect(admin.get_by_role("main")).to_contain_text("ผู้ดูแล ทดสอบ")

    # A citizen with a passkey on their old phone loses it; the office checks their ID card.
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="ชูใจ ใจดี")
    # (A district office issues the code at a kiosk, tested in tests/kiosk and
    # test_kiosk_screens; here the code is made as that service makes it.)
    code = live_server.python(RECOVERY_CODE % national_id).strip()
    issued = {"code": code, "url": f"{live_server.url}/#/recover?code={code}"}
    admin_context.close()

    # The new phone is an older browser: no parse…FromJSON(), no toJSON() (the fallback path).
    context, phone = _phone(browser)
    phone.add_init_script(
        """delete PublicKeyCredential.parseCreationOptionsFromJSON;
           delete PublicKeyCredential.parseRequestOptionsFromJSON;
           delete PublicKeyCredential.prototype.toJSON;"""
    )
    phone.goto(issued["url"])
    expect(phone.get_by_role("heading", level=1)).to_have_text("เพิ่มพาสคีย์ด้วยรหัสกู้คืน")
    expect(phone.get_by_label("รหัสกู้คืน")).to_have_value(issued["code"])
    phone.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    # My account at once: the other passkey and the old phone's session, ended in one step.
    expect(phone.get_by_role("heading", level=1)).to_have_text("บัญชีของฉัน")
    expect(phone.get_by_role("main")).to_contain_text("ชูใจ ใจดี")
    expect(phone.get_by_role("status").first).to_contain_text("ออกจากระบบในอุปกรณ์อื่นทั้งหมด")
    expect(_passkeys(phone)).to_have_count(2)
    phone.get_by_role("button", name="ออกจากระบบในอุปกรณ์อื่นทั้งหมด").click()
    expect(phone.get_by_role("main")).to_contain_text("ลบพาสคีย์อื่น 1 รายการแล้ว")
    expect(_passkeys(phone)).to_have_count(1)

    context.close()

    # The code was single-use: a third phone is told so, next to the code.
    context, third = _phone(browser)
    third.goto(issued["url"])
    third.get_by_role("button", name="สร้างพาสคีย์ในเครื่องนี้").click()
    expect(third.get_by_role("alert").first).not_to_be_empty()
    expect(third.get_by_role("heading", level=1)).to_have_text("เพิ่มพาสคีย์ด้วยรหัสกู้คืน")
    context.close()


@pytest.fixture
def bare_page(context: BrowserContext) -> Iterator[Page]:
    """A page whose WebAuthn is changed by an init script (no authenticator)."""
    page = context.new_page()
    yield page
    page.close()


def test_no_webauthn_no_screen_lock_and_cancel_are_explained(
    bare_page: Page, live_server: LiveServer
) -> None:
    page = bare_page
    page.add_init_script("delete window.PublicKeyCredential;")
    page.goto(f"{live_server.url}/#/signin")
    expect(page.get_by_role("main")).to_contain_text("เบราว์เซอร์นี้ใช้พาสคีย์ไม่ได้")
    expect(page.get_by_role("button", name=SIGN_IN)).to_have_count(0)

    other = page.context.new_page()
    other.add_init_script(
        """PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable = async () => false;
           navigator.credentials.create = async () => {
               throw new DOMException('The operation either timed out or was not allowed.',
                                      'NotAllowedError');
           };"""
    )
    other.goto(f"{live_server.url}/#/enrol")
    expect(other.get_by_role("main")).to_contain_text("ยังไม่ได้ตั้งล็อกหน้าจอ")
    other.get_by_label("เลขประจำตัวประชาชน 13 หลัก").fill(thai_id())
    other.get_by_label("ชื่อ-นามสกุล").fill("ทดลอง ยกเลิก")
    other.get_by_role("button", name="สร้างพาสคีย์และบัญชี").click()
    expect(other.get_by_role("alert").first).to_contain_text("ยกเลิกหรือหมดเวลา")
    expect(other.get_by_role("heading", level=1)).to_have_text("สร้างบัญชี")
    other.close()


def test_download_my_data_then_delete_my_account(
    context: BrowserContext, live_server: LiveServer
) -> None:
    page = context.new_page()
    errors = logged_errors(page, failed_loads=True)  # the refused confirmation is a 422
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="ชูใจ ใฝ่ดี")
    page.goto(f"{live_server.url}/#/account")

    # My data as a page to read and print first; the JSON file is the second choice.
    page.get_by_role("link", name="ดูข้อมูลทั้งหมดของฉัน (พิมพ์หรือบันทึกได้)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ข้อมูลทั้งหมดของฉัน")
    expect(page.get_by_role("main")).to_contain_text("ชูใจ ใฝ่ดี")
    expect(page.get_by_role("button", name="พิมพ์หรือบันทึกเป็น PDF")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="ดาวน์โหลดเป็นไฟล์ JSON").click()
    saved = download.value
    assert saved.suggested_filename.startswith("citizen-portal-")
    exported = json.loads(Path(saved.path()).read_text(encoding="utf-8"))
    assert exported["profile"]["national_id"] == national_id
    assert exported["profile"]["full_name"] == "ชูใจ ใฝ่ดี"
    page.get_by_role("link", name="กลับไปบัญชีของฉัน").click()

    page.get_by_role("button", name="ลบบัญชีของฉัน…").click()
    confirm = page.get_by_label("เพื่อยืนยัน กรุณาพิมพ์เลขบัตรประชาชน 4 หลักสุดท้าย")
    expect(confirm).to_be_focused()
    wrong = "0000" if national_id[-4:] != "0000" else "1111"
    confirm.fill(wrong)
    page.get_by_role("button", name="ลบบัญชีของฉันถาวร").click()
    expect(page.locator("#erase-confirm-error")).to_contain_text("4 หลักสุดท้าย")
    assert live_server.sql(
        "SELECT count(*) FROM account WHERE national_id_index = ?",
        live_server.index_of(national_id),
    ) == [(1,)]

    confirm.fill(national_id[-4:])
    page.get_by_role("button", name="ลบบัญชีของฉันถาวร").click()
    expect(page.get_by_text("ลบบัญชีของคุณแล้ว")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('account')") is None
    assert live_server.sql(
        "SELECT count(*) FROM account WHERE national_id_index = ?",
        live_server.index_of(national_id),
    ) == [(0,)]
    page.goto(f"{live_server.url}/#/account")  # signed out: the account screen asks to sign in
    expect(page.get_by_role("link", name="บัญชีของฉัน")).to_have_count(0)
    assert errors == []


def test_a_shared_phone_keeps_none_of_the_citizens_answers_after_sign_out(
    browser: Browser, live_server: LiveServer
) -> None:
    """Read with the service worker out of the way, straight from the browser's HTTP cache."""
    context = browser.new_context(service_workers="block", locale="th-TH")
    page = context.new_page()
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false")
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, thai_id(), name="ปิติ ยืมเครื่อง")
    read = """async (url) => {
        try {
            const r = await fetch(url, { cache: 'only-if-cached', mode: 'same-origin' });
            return r.ok ? await r.text() : '';
        } catch (e) { return ''; }
    }"""
    page.evaluate("() => fetch('/api/v1/me/profile').then((r) => r.text())")
    assert "ปิติ ยืมเครื่อง" in page.evaluate(read, "/api/v1/me/profile")  # kept while signed in

    page.goto(f"{live_server.url}/#/account")
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("เข้าสู่ระบบ")
    assert page.evaluate(read, "/api/v1/me/profile") == ""
    stores = page.evaluate(
        """async () => JSON.stringify({
            local: { ...localStorage }, session: { ...sessionStorage },
            caches: await Promise.all((await caches.keys()).map(async (name) =>
                (await (await caches.open(name)).keys()).map((r) => r.url))),
        })"""
    )
    assert "ปิติ" not in stores and "/api/v1/me" not in stores
    context.close()
