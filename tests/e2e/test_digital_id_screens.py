"""Signing up with the national digital ID in a real browser: the enrolment screen sends the
phone to the provider (a real OpenID Connect provider on loopback, consenting at once), the
portal checks its answer and the PWA creates the first passkey with Chromium's virtual
authenticator. Also: My account offers verification to a self-asserted citizen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import LiveServer, enrol_in_browser, logged_errors, virtual_authenticator
from tests.support.flows import thai_id
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider

pytestmark = pytest.mark.browser

NAME = "บุญมี ศรีสุข"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider({"pid": thai_id(4242), "name": NAME}) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, provider: OidcProvider
) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("digital-id")))
    server.env.update(
        DIGITAL_ID_ISSUER=provider.issuer,
        DIGITAL_ID_CLIENT_ID=CLIENT_ID,
        DIGITAL_ID_CLIENT_SECRET=CLIENT_SECRET,
    )
    server.start()
    yield server
    server.stop()


def test_sign_up_with_thaid_then_a_passkey(
    page: Page, server: LiveServer, provider: OidcProvider
) -> None:
    errors = logged_errors(page)
    virtual_authenticator(page)
    page.goto(f"{server.url}/#/enrol")
    start = page.get_by_role("button", name="ยืนยันตัวตนด้วย ThaiD")
    start.wait_for()
    page.wait_for_load_state("networkidle")
    # From here on, what the phone sends and receives to be signed up.
    sent: list[Request] = []
    page.on("requestfinished", lambda request: sent.append(request))
    start.click()
    page.wait_for_url("**/#/enrol?verified=1")
    expect(page.get_by_text(NAME)).to_be_visible()
    pid = provider.person["pid"]
    expect(page.get_by_text(f"{pid[0]}-xxxx-xxxxx-{pid[10:12]}-{pid[12]}")).to_be_visible()
    page.get_by_role("button", name="สร้างพาสคีย์และบัญชี").click()
    page.wait_for_url("**/#/dashboard")
    page.get_by_role("heading", level=1, name="คำขอของฉัน").wait_for()
    round_trips = [r for r in sent if not r.url.startswith("data:")]
    total = sum(_bytes(r) for r in round_trips)
    print(f"digital-ID sign-up: {len(round_trips)} requests, {total} bytes")  # for the record
    rows = server.sql(
        "SELECT assurance, assurance_provider FROM account WHERE national_id_index = ?",
        server.index_of(pid),
    )
    assert rows == [("verified_digital_id", "ThaiD")]
    page.goto(f"{server.url}/#/account")
    expect(page.get_by_text("ยืนยันตัวตนแล้วด้วยแอป ThaiD")).to_be_visible()
    expect(page.get_by_role("button", name="ยืนยันตัวตนด้วย ThaiD")).to_have_count(0)
    assert errors == []


def _bytes(request: Request) -> int:
    sizes: Any = request.sizes()
    return int(sizes["requestHeadersSize"] + sizes["requestBodySize"]) + int(
        sizes["responseHeadersSize"] + sizes["responseBodySize"]
    )


def test_my_account_offers_verification_and_says_so_after(
    page: Page, server: LiveServer, provider: OidcProvider
) -> None:
    server.forget_rate_limits()
    other = thai_id(4343)
    provider.person = {"pid": other, "name": "สมปอง ใจดี"}
    virtual_authenticator(page)
    enrol_in_browser(page, server.url, other, name="สมปอง")
    page.goto(f"{server.url}/#/account")
    expect(page.get_by_text("ยังไม่ได้ยืนยันตัวตน (กรอกข้อมูลด้วยตนเอง)")).to_be_visible()
    page.get_by_role("button", name="ยืนยันตัวตนด้วย ThaiD").click()
    page.wait_for_url("**/#/account?verified=digital_id")
    expect(page.get_by_text("ยืนยันตัวตนเรียบร้อยแล้ว")).to_be_visible()
    expect(page.get_by_text("ยืนยันตัวตนแล้วด้วยแอป ThaiD")).to_be_visible()


@pytest.mark.parametrize("failed_loads_expected", [True])  # the refusal page is a 400
def test_a_cancelled_check_shows_a_thai_page_and_a_way_back(
    page: Page, server: LiveServer, provider: OidcProvider
) -> None:
    provider.deny = True
    try:
        page.goto(f"{server.url}/#/enrol")
        page.get_by_role("button", name="ยืนยันตัวตนด้วย ThaiD").click()
        expect(page.get_by_role("heading", name="ยืนยันตัวตนไม่สำเร็จ")).to_be_visible()
        expect(page.get_by_text("คุณยกเลิกการยืนยันตัวตน")).to_be_visible()
        styled = "() => [...document.styleSheets].some((sheet) => sheet.cssRules.length > 0)"
        assert page.evaluate(styled)  # the app's stylesheet, at its versioned URL
        page.get_by_role("link", name="กลับไปลองใหม่ · Back").click()
        page.get_by_role("button", name="ยืนยันตัวตนด้วย ThaiD").wait_for()
    finally:
        provider.deny = False
