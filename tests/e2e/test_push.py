"""Push in the browser: the notification centre, the opt-in that never asks on load, and a push
delivered to the real service worker with CDP `ServiceWorker.deliverPushMessage` (headless
Chromium cannot subscribe at a real push service; the server side of push is tested against
the local push service in tests/notifications).

A headless browser cannot tap a notification, so the tap is tested in two halves: the shown
notification carries the right `data.url`, and the service worker's click logic
(js/notification-click.js) is run against a stand-in for `clients`.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from backend.notifications.messages import news_for, push_body
from backend.settings import ROOT
from tests.e2e.conftest import (
    LiveServer,
    enrol_in_browser,
    eventually,
    page_build,
    virtual_authenticator,
    wait_for_service_worker,
)
from tests.e2e.test_pwa_a11y import _violations
from tests.support.applications import HEALTH_ANSWERS
from tests.support.flows import thai_id
from tests.support.push_service import b64url

pytestmark = pytest.mark.browser

ENROL = """async ([nationalId, language]) => {
    const csrf = () => (document.cookie.match(/portal_csrf=([^;]*)/) || [])[1] || '';
    const post = async (path, body) => {
        const response = await fetch(path, { method: 'POST', body: JSON.stringify(body),
            headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() } });
        if (!response.ok) throw new Error(await response.text());
        return response.json();
    };
    const start = await post('/api/v1/auth/enrol/options',
        { national_id: nationalId, full_name: 'สมชาย ใจดี', language });
    const credential = await navigator.credentials.create(
        { publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(start.public_key) });
    await post('/api/v1/auth/enrol', { credential: credential.toJSON(), name: 'phone' });
}"""

APPLY = """async ([answers, key]) => {
    const csrf = (document.cookie.match(/portal_csrf=([^;]*)/) || [])[1] || '';
    const response = await fetch('/api/v1/applications', { method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf,
                   'Idempotency-Key': key },
        body: JSON.stringify({ service: 'change-health-unit', answers, submit: true }) });
    if (!response.ok) throw new Error(await response.text());
    return response.json();
}"""

CHANGE_STATUS = """
import sys
from backend import domains
from backend.catalog.tables import Agency
from backend.lib.cli import run_job
from backend.system.audit import Actor
from tests.support.applications import set_status

async def main():
    agency = await Agency.select(Agency.id).where(Agency.code == "NHSO").first()
    actor = Actor(None, "agency_api")
    await set_status(int(sys.argv[1]), sys.argv[2], actor, agency_id=agency["id"])

domains.install()
run_job(main)
"""


def citizen_with_application(page: Page, context: BrowserContext, seed: int) -> dict[str, Any]:
    """Enrol with a virtual passkey in this browser, then apply; the application."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.evaluate(ENROL, [thai_id(seed), "th"])
    application: dict[str, Any] = page.evaluate(APPLY, [HEALTH_ANSWERS, uuid.uuid4().hex])
    page.reload()  # the app learns who signed in (behind its back), as after a sign-in
    expect(page.locator("[data-module=account-link]")).to_have_attribute("href", "/#/account")
    return application


def agency_moves(live_server: LiveServer, application_id: int, status: str) -> None:
    """NHSO changes the status in the live server's database (as its API would)."""
    subprocess.run(
        [sys.executable, "-c", CHANGE_STATUS, str(application_id), status],
        env=live_server.env,
        cwd=ROOT,
        check=True,
        timeout=60,
        capture_output=True,
    )


def registration_id(cdp: CDPSession, page: Page) -> str:
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if found:
            return found[0]
        page.wait_for_timeout(50)
    raise AssertionError("no service worker registration reported")


def test_centre_opt_in_and_a_push_shown_by_the_service_worker(
    page: Page, context: BrowserContext, live_server: LiveServer, axe_source: str
) -> None:
    page.goto(live_server.url)
    wait_for_service_worker(page)
    application = citizen_with_application(page, context, seed=91)
    app_id, code = application["id"], application["tracking_code"]
    agency_moves(live_server, app_id, "received")

    page.goto(f"{live_server.url}/#/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("การแจ้งเตือน")
    first = page.locator("main .card").filter(has_text=code)
    # Inside the app the notice names its service; the push itself stays bare (below).
    expect(first.get_by_role("link")).to_have_text(
        f"{application['service']['name']['th']} · {code}"
    )
    expect(first).to_contain_text("หน่วยงานได้รับคำขอของคุณแล้ว")
    expect(first).to_contain_text("ยังไม่ได้อ่าน")
    # Permission is asked only from the button that says why, never on load.
    assert page.evaluate("() => Notification.permission") == "default"
    expect(page.get_by_text("ไม่มีชื่อหรือเลขประจำตัวประชาชนของคุณ")).to_be_visible()
    expect(page.get_by_role("button", name="เปิดการแจ้งเตือน")).to_be_visible()
    progress = page.get_by_role("switch", name="ความคืบหน้าของคำขอ")
    expect(progress).to_have_attribute("aria-checked", "true")
    expect(progress).to_contain_text("เปิด")
    assert _violations(page, axe_source) == []

    # The agency moves on while the page is open; the push makes the centre show it at once.
    agency_moves(live_server, app_id, "needs_info")
    context.grant_permissions(["notifications"], origin=live_server.url)
    news = news_for("received", "needs_info")
    assert news is not None
    body = push_body(
        notification_id=2,
        application_id=app_id,
        tracking_code=code,
        status="needs_info",
        news=news,
        lang="th",
    )
    cdp = context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration_id(cdp, page),
            "data": json.dumps(body, ensure_ascii=False),
        },
    )
    expect(page.locator("main .card").filter(has_text="หน่วยงานขอข้อมูลหรือเอกสารเพิ่ม")).to_be_visible()

    shown = page.evaluate(
        """async () => (await (await navigator.serviceWorker.ready).getNotifications())
            .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data,
                           icon: new URL(n.icon).pathname, badge: new URL(n.badge).pathname }))"""
    )
    build = page_build(page)
    assert shown == [
        {
            "title": f"คำขอ {code}: ต้องส่งข้อมูลเพิ่ม",
            "body": "หน่วยงานขอข้อมูลหรือเอกสารเพิ่ม ตอบกลับเพื่อให้พิจารณาต่อ",
            "tag": f"app-{app_id}",
            "data": {"url": f"/#/applications/{app_id}", "id": 2, "application": app_id},
            "icon": f"/v/{build}/icons/icon-192.png",
            "badge": f"/v/{build}/icons/badge-96.png",
        }
    ]

    # Mark all read; the list says so.
    page.get_by_role("button", name="อ่านแล้วทั้งหมด").click()
    expect(page.get_by_role("status").filter(has_text="ทำเครื่องหมายว่าอ่านแล้วทั้งหมด")).to_be_visible()
    expect(page.locator("main .card").filter(has_text="ยังไม่ได้อ่าน")).to_have_count(0)


def test_tapping_a_notification_opens_its_application(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url)
    wait_for_service_worker(page)
    origin = live_server.url
    calls = page.evaluate(
        """async ([build, origin]) => {
            const module = `/v/${build}/js/notification-click.js`;
            const { clickTarget, openTarget } = await import(module);
            const calls = [];
            const windowAt = (url) => ({
                url,
                focus: async () => { calls.push(['focus', url]); return windowAt(url); },
                navigate: async (to) => { calls.push(['navigate', to]); return windowAt(to); },
            });
            const clients = (...urls) => ({
                matchAll: async () => urls.map(windowAt),
                openWindow: async (url) => { calls.push(['open', url]); return null; },
            });
            const target = clickTarget({ url: '/#/applications/42' }, origin);
            const results = {
                target,
                elsewhere: clickTarget({ url: 'https://evil.example/#/x' }, origin),
                missing: clickTarget(null, origin),
            };
            await openTarget(clients(`${origin}/#/dashboard`), target);
            results.open = calls.splice(0);
            await openTarget(clients('https://other.example/'), target);
            results.none = calls.splice(0);
            await openTarget(clients(target), target);
            results.there = calls.splice(0);
            return results;
        }""",
        [page_build(page), origin],
    )
    target = f"{origin}/#/applications/42"
    assert calls == {
        "target": target,
        "elsewhere": f"{origin}/",
        "missing": f"{origin}/",
        "open": [["focus", f"{origin}/#/dashboard"], ["navigate", target]],
        "none": [["open", target]],
        "there": [["focus", target]],
    }


def test_turning_on_where_no_push_service_answers_says_so(
    context: BrowserContext, live_server: LiveServer
) -> None:
    """Headless Chromium refuses `pushManager.subscribe` (no vendor push service): the
    citizen is told, and no device is registered. (Not the `page` fixture: Chromium rightly
    logs the refusal as a console error, which that fixture forbids.)"""
    page = context.new_page()
    page.goto(live_server.url)
    wait_for_service_worker(page)
    citizen_with_application(page, context, seed=92)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(f"{live_server.url}/#/notifications")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    page.get_by_label("Name of this device").fill("My phone")
    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.get_by_role("status").filter(has_text="Could not turn on")).to_be_visible()
    assert page.evaluate("() => fetch('/api/v1/me/push-subscriptions').then((r) => r.json())") == []


STAND_IN_PUSH_MANAGER = """([p256dh, auth]) => {
    // Chromium here cannot subscribe at a vendor's push service: the page's PushManager is
    // replaced by one that keeps its subscription in localStorage, so that what the PWA
    // does with it (register, refresh, unsubscribe) is observable across reloads.
    const KEY = 'test:push-subscription';
    const decode = (text) => Uint8Array.from(
        atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const encode = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    const wrap = (kept) => kept && {
        endpoint: kept.endpoint,
        options: { applicationServerKey: decode(kept.serverKey).buffer, userVisibleOnly: true },
        toJSON: () => ({ endpoint: kept.endpoint, expirationTime: null, keys: { p256dh, auth } }),
        unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
    };
    PushManager.prototype.getSubscription = async function () {
        return wrap(JSON.parse(localStorage.getItem(KEY) || 'null'));
    };
    PushManager.prototype.subscribe = async function (options) {
        const kept = { endpoint: `https://fcm.googleapis.com/fcm/send/${crypto.randomUUID()}`,
                       serverKey: encode(options.applicationServerKey) };
        localStorage.setItem(KEY, JSON.stringify(kept));
        return wrap(kept);
    };
}"""

SUBSCRIPTION = "async () => (await navigator.serviceWorker.ready).pushManager.getSubscription()"


def devices_of(live_server: LiveServer, national_id: str) -> list[str]:
    rows = live_server.sql(
        "SELECT s.endpoint FROM push_subscription s JOIN account a ON a.id = s.account "
        "WHERE a.national_id_index = ?",
        live_server.index_of(national_id),
    )
    return [str(r[0]) for r in rows]


def turn_on_notifications(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/#/notifications")
    page.get_by_label("ชื่ออุปกรณ์นี้").fill("โทรศัพท์")
    page.get_by_role("button", name="เปิดการแจ้งเตือน").click()
    expect(page.get_by_text("เปิดการแจ้งเตือนบนอุปกรณ์นี้แล้ว")).to_be_visible()


def test_signing_out_unsubscribes_and_the_next_citizen_is_not_registered(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    """Issue 6, point 2: "unsubscribe on sign-out of that device"; and a subscription left by
    one citizen (whose session ended elsewhere) is never registered for the next one."""
    live_server.forget_rate_limits()
    browser_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    p256dh = b64url(browser_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    auth = b64url(secrets.token_bytes(16))
    # JSON in a JS expression: the init script runs before the PWA's modules on every load.
    context.add_init_script(f"({STAND_IN_PUSH_MANAGER})({json.dumps([p256dh, auth])})")
    # No passkey autofill: it would sign the citizen straight back in after signing out.
    context.add_init_script(
        "PublicKeyCredential.isConditionalMediationAvailable = async () => false"
    )
    context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url)
    wait_for_service_worker(page)
    virtual_authenticator(page)
    first, second = thai_id(93), thai_id(94)

    enrol_in_browser(page, live_server.url, first)
    turn_on_notifications(page, live_server)
    [endpoint] = devices_of(live_server, first)
    assert page.evaluate(SUBSCRIPTION)["endpoint"] == endpoint

    page.goto(f"{live_server.url}/#/account")
    page.get_by_role("button", name="ออกจากระบบ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("เข้าสู่ระบบ")
    assert page.evaluate(SUBSCRIPTION) is None  # the browser unsubscribed
    assert devices_of(live_server, first) == []  # and the portal forgot the device
    assert page.evaluate("() => localStorage.getItem('push-registered')") is None

    # Notifications on again, then the session ends elsewhere ("sign out everywhere" on
    # another phone): the subscription stays in this browser. Someone else signs in here.
    page.get_by_role("button", name="เข้าสู่ระบบด้วยพาสคีย์").click()  # the one passkey here
    page.get_by_role("heading", level=1, name="คำขอของฉัน").wait_for()
    turn_on_notifications(page, live_server)
    assert len(devices_of(live_server, first)) == 1
    context.clear_cookies()
    enrol_in_browser(page, live_server.url, second, name="สมศรี มีสุข")
    assert page.evaluate("() => localStorage.getItem('push-registered')") is None

    # The next start of the app does not register the first citizen's subscription for the
    # second: the browser drops it (the push service then answers 410 for the first).
    page.reload()
    eventually(page, f"async () => (await ({SUBSCRIPTION})()) === null")
    assert devices_of(live_server, second) == []
    page.goto(f"{live_server.url}/#/notifications")
    expect(page.get_by_role("button", name="เปิดการแจ้งเตือน")).to_be_visible()
