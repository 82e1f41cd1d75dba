"""Acting for someone in Chromium (issue 17, point 3): a grandmother authorises her daughter
with a link; the daughter, on her own phone, accepts with her passkey, switches to acting for
her mother, sees her application under a bar that says so, finds the owner's screens closed,
and is taken back to her own account as soon as her mother ends it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, enrol_in_browser, virtual_authenticator
from tests.e2e.staff import citizen, forget_rate_limits
from tests.e2e.test_kiosk_screens import _axe_in_both_languages
from tests.support.applications import HEALTH_ANSWERS
from tests.support.flows import thai_id

pytestmark = pytest.mark.browser

STORED = """() => new Promise((resolve) => {
  const open = indexedDB.open('portal');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('data')) return resolve('');
    const all = db.transaction('data').objectStore('data').getAll();
    all.onsuccess = () => resolve(JSON.stringify(all.result));
  };
  open.onerror = () => resolve('');
})"""


@pytest.mark.parametrize("failed_loads_expected", [True])  # the refused request after the end
def test_a_daughter_acts_for_her_mother_until_the_mother_ends_it(
    page: Page, live_server: LiveServer, axe_source: str, failed_loads_expected: bool
) -> None:
    del failed_loads_expected
    forget_rate_limits(live_server)
    mother_id = thai_id()
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
        until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
        invited = mother.call(
            "POST",
            "/api/v1/delegations",
            {"powers": ["follow", "apply"], "services": [], "valid_until": until},
        )

        virtual_authenticator(page)
        enrol_in_browser(page, live_server.url, thai_id(), name="สมใจ ลูกสาว")
        page.goto(f"{live_server.url}/#/delegate?invitation={invited['invitation']}")
        page.get_by_role("button", name="รับมอบอำนาจ").click()
        expect(page.get_by_text("คุณรับมอบอำนาจจาก ยายบุญมา ใจดี แล้ว")).to_be_visible()
        page.get_by_role("button", name="ทำรายการแทน ยายบุญมา ใจดี").click()

        bar = page.get_by_role("region", name="กำลังทำรายการแทน")
        expect(bar).to_contain_text("คุณกำลังทำรายการแทน ยายบุญมา ใจดี")
        expect(page.get_by_text(applied["tracking_code"])).to_be_visible()
        kept = page.evaluate(STORED)
        assert applied["tracking_code"] not in kept  # nothing of hers on the daughter's phone
        _axe_in_both_languages(page, axe_source, "คำขอของฉัน")

        page.goto(f"{live_server.url}/#/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("เฉพาะเจ้าของบัญชี")

        mother.call("DELETE", f"/api/v1/delegations/{invited['delegation']['id']}")
        page.goto(f"{live_server.url}/#/dashboard")
        # The server refuses the next request; the page goes back to her own account.
        expect(page.get_by_role("heading", level=1)).to_have_text("การมอบอำนาจ")
        expect(bar).to_have_count(0)
        expect(page.get_by_text("ยายบุญมา ใจดี")).to_be_visible()  # listed, ended
        expect(page.get_by_text("สิ้นสุดแล้ว")).to_be_visible()
        _axe_in_both_languages(page, axe_source, "การมอบอำนาจ")


def test_the_grantor_makes_an_invitation_in_the_app(page: Page, live_server: LiveServer) -> None:
    forget_rate_limits(live_server)
    virtual_authenticator(page)
    enrol_in_browser(page, live_server.url, thai_id(), name="ตาสมพงษ์ มีลูก")
    page.goto(f"{live_server.url}/#/account")
    page.get_by_role("link", name="จัดการการมอบอำนาจ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("การมอบอำนาจ")
    page.get_by_label("ยื่นคำขอและตอบหน่วยงาน").check()
    page.get_by_role("button", name="สร้างคำเชิญ").click()
    link = page.get_by_label("ลิงก์คำเชิญ")
    expect(link).to_be_visible()
    assert "/#/delegate?invitation=" in link.input_value()
    page.reload()
    expect(page.get_by_text("รอผู้รับมอบอำนาจกดรับ")).to_be_visible()
