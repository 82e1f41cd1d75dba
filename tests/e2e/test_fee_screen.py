"""A fee in a real browser: the application shows the Thai QR code with the amount, agency and
due date (axe-clean, at 320 px); once the agency confirms the payment, the paid badge and the
printable e-receipt."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backend.lib import thai_qr
from tests.e2e.conftest import LiveServer, enrol_in_browser, virtual_authenticator
from tests.e2e.test_pwa_a11y import _violations
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser

AGENCY_CONFIRMS = """
import sys
from backend import domains
from backend.catalog.tables import Agency
from backend.fees import services
from backend.fees.schemas import PaymentConfirm
from backend.fees.tables import Fee
from backend.lib.cli import run_job
from backend.system.audit import Actor

async def job():
    agency = await Agency.select(Agency.id).where(Agency.code == "DOPA").first()
    app = int(sys.argv[1])
    fee = await Fee.select().where(Fee.application == app).first()
    data = PaymentConfirm(amount_satang=fee["amount_satang"], reference2=fee["reference2"])
    actor = Actor(account_id=None, role="agency_api")
    await services.confirm_payment(agency["id"], app, data, actor)

domains.install()
run_job(job)
"""


def _apply_id_card(page: Page, national_id: str) -> dict[str, Any]:
    answers = {
        "full_name": "สมชาย ใจดี",
        "national_id": national_id,
        "phone": "0812345678",
        "reason": "lost",
        "appointment_date": page.evaluate(
            "() => new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10)"
        ),
    }
    result: dict[str, Any] = page.evaluate(
        """async (answers) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const response = await fetch('/api/v1/applications', { method: 'POST',
                body: JSON.stringify({ service: 'id-card-replacement', answers, submit: true }),
                headers: { 'content-type': 'application/json', 'x-csrf-token': csrf,
                'idempotency-key': crypto.randomUUID() } });
            return response.json();
        }""",
        answers,
    )
    return result


def test_the_fee_shows_its_thai_qr_code_then_the_receipt(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    live_server.forget_rate_limits()
    page.set_viewport_size({"width": 320, "height": 720})
    virtual_authenticator(page)
    national_id = thai_id()
    enrol_in_browser(page, live_server.url, national_id, name="สมชาย ใจดี")
    app = _apply_id_card(page, national_id)
    assert "id" in app, app

    # Just sent: the fee and how to pay it follow the confirmation at once (issue 20, point 1).
    page.goto(f"{live_server.url}/#/applications/{app['id']}?sent=1")
    expect(page.locator("main section.sent + section.fee")).to_be_visible()
    page.goto(f"{live_server.url}/#/applications/{app['id']}")
    expect(page.locator("main section.sent")).to_have_count(0)
    section = page.get_by_role("region", name="ค่าธรรมเนียม")
    code = section.get_by_role("img", name="คิวอาร์โค้ดชำระเงิน Thai QR Payment จำนวน ฿100")
    expect(code).to_be_visible()
    expect(section).to_contain_text("ชำระให้ กรมการปกครอง")
    expect(section).to_contain_text(app["tracking_code"].replace("-", ""))
    page.wait_for_load_state("networkidle")
    assert _violations(page, axe_source) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    # What the screen draws is what the API gave: a payload a banking app reads.
    payload = page.evaluate(
        f"() => fetch('/api/v1/applications/{app['id']}/fee').then((r) => r.json())"
    )["qr_payload"]
    assert thai_qr.read_bill_payment(payload).amount_satang == 100_00

    live_server.python(AGENCY_CONFIRMS, str(app["id"]))
    page.reload()
    section = page.get_by_role("region", name="ค่าธรรมเนียม")
    expect(section).to_contain_text("ชำระแล้ว")
    expect(section.get_by_role("img")).to_have_count(0)
    with page.expect_popup() as opened:
        section.get_by_role("link", name="ดูและพิมพ์ใบเสร็จ").click()
    receipt = opened.value
    expect(receipt.get_by_role("heading", level=1)).to_contain_text("ใบเสร็จรับเงินอิเล็กทรอนิกส์")
    expect(receipt.locator("main")).to_contain_text("100.00 บาท")
