"""No plaintext national ID at rest: after a realistic day (self-asserted enrolment, sign-up
and verification with the digital ID, a squatter frozen, applications with ID numbers in
their answers, a kiosk that finds, enrols, verifies and applies for citizens and issues a
recovery code, an agency reading its feed and its officer the console, a webhook and a push
queued, tracking, an export, a ceremony left half-way), no column of any table holds any of
the citizens' ID numbers, and no log line does; yet each number is where it belongs in clear
(the citizen's own profile and export, the agency's feed), and lookups find the accounts."""

from __future__ import annotations

import io
import logging
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar.testing import AsyncTestClient

from backend import asgi
from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account
from backend.agency_api.schemas import WebhookUpdate
from backend.agency_api.webhooks import configure_webhook
from backend.lib import oidc
from backend.lib.db import current_engine
from backend.lib.logging import ACCESS, JsonFormatter
from backend.settings import Settings
from backend.system.tables import OutboxMessage
from tests.support.agency import ADMIN, msgspec_replace, signer_for
from tests.support.applications import HEALTH_ANSWERS, OFFICER, agency_id, set_status
from tests.support.authenticator import SoftAuthenticator, b64url
from tests.support.database import Database
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id
from tests.support.kiosk import (
    activate,
    consent_in_person,
    consent_with_passkey,
    register_kiosk,
    start,
)
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider

pytestmark = pytest.mark.slow

Client = AsyncTestClient[Any]

OWNER, SQUATTER_OTHER, VERIFIER, AT_KIOSK, NO_PHONE, HALF_WAY, CHILD = (
    thai_id(9000 + n) for n in range(7)
)
"""The day's citizens' numbers: the digital ID's person (whose number a squatter took first),
a squatter's second try, a citizen who verifies their account, one verified at a kiosk, one
with no phone enrolled at a kiosk, one whose enrolment stops half-way, and a number typed
into a form's text field."""
NUMBERS = (OWNER, SQUATTER_OTHER, VERIFIER, AT_KIOSK, NO_PHONE, HALF_WAY, CHILD)


@pytest.fixture(scope="module")
def running() -> Iterator[OidcProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(running: OidcProvider) -> OidcProvider:
    """The module's provider as if just started; the portal as if it had never asked it
    (one issuer for the module: its app is built once per engine)."""
    running.reset({"pid": OWNER, "name": "สมหญิง ตัวจริง"})
    oidc._PARTIES.clear()
    return running


@pytest.fixture
def settings(settings: Settings, provider: OidcProvider) -> Settings:
    return msgspec_replace(
        settings,
        digital_id_issuer=provider.issuer,
        digital_id_client_id=CLIENT_ID,
        digital_id_client_secret=CLIENT_SECRET,
        log_level="DEBUG",
        agency_webhook_allow_private=True,  # a webhook to loopback, never delivered here
    )


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Every log line of the portal's loggers and of the libraries (root), as JSON with its
    extra fields, whatever level the app sets."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    configure = asgi.configure_logging

    def configure_and_keep(level: str, as_json: bool, access_sample: float = 1.0) -> None:
        configure("DEBUG", as_json, access_sample)
        logging.getLogger("portal").addHandler(handler)
        ACCESS.configure(True, 1.0, out)  # the access log writes its lines itself: here too

    monkeypatch.setattr(asgi, "configure_logging", configure_and_keep)
    logging.getLogger("portal").addHandler(handler)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    ACCESS.flush()
    ACCESS.configure(True, 1.0, sys.stderr)
    root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("portal").removeHandler(handler)


async def _digital_id(client: Client, intent: str) -> None:
    import httpx

    started = await client.post(
        "/api/v1/auth/digital-id/start", json={"intent": intent}, headers=csrf(client)
    )
    assert started.status_code == 200, started.text
    async with httpx.AsyncClient() as browser:
        back = (await browser.get(started.json()["url"])).headers["location"]
    landed = await client.get(back.removeprefix(ORIGIN), follow_redirects=False)
    assert landed.status_code == 303, landed.text


async def _apply(client: Client, national_id: str, **extra: Any) -> int:
    answers = {**HEALTH_ANSWERS, "national_id": national_id, **extra}
    response = await client.post(
        "/api/v1/applications",
        json={"service": "change-health-unit", "answers": answers, "submit": True},
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _push_subscription() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}",
        "expirationTime": None,
        "keys": {
            "p256dh": b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": b64url(uuid.uuid4().bytes),
        },
    }


async def _every_value(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every value of every table, the migration
    history included."""
    engine = current_engine()
    if db.kind == "postgres":
        tables = [
            r["tablename"]
            for r in await engine.run_ddl(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
    else:
        tables = [
            r["name"]
            for r in await engine.run_ddl(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    found = []
    for table in tables:
        for row in await engine.run_ddl(f'SELECT * FROM "{table}"'):
            for column, value in row.items():
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                found.append((table, column, text))
    return found


async def test_no_table_and_no_log_line_holds_a_national_id(
    db: Database, settings: Settings, make_client: Any, provider: OidcProvider, logged: io.StringIO
) -> None:
    # A squatter enrols (self-asserted) with the owner's number and applies under it.
    squatter_key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as squatter:
        await enrol_citizen(squatter, squatter_key, national_id=OWNER, full_name="คนแอบอ้าง")
        squatted = await _apply(squatter, OWNER)
        # Enrolling the number again is refused after the ceremony, never before.
        await squatter.post("/api/v1/auth/signout", headers=csrf(squatter))
        again = await squatter.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": SQUATTER_OTHER, "full_name": "คนแอบอ้าง", "language": "th"},
            headers=csrf(squatter),
        )
        assert again.status_code == 200, again.text

    # The owner signs up with the digital ID: the squatter is frozen.
    async with make_client() as owner:
        await _digital_id(owner, "signup")
        options = await owner.post(
            "/api/v1/auth/digital-id/enrol/options",
            json={"phone": "0891234567", "language": "th"},
            headers=csrf(owner),
        )
        assert options.status_code == 200, options.text
        credential = SoftAuthenticator(origin=ORIGIN).register(options.json()["public_key"])
        done = await owner.post(
            "/api/v1/auth/enrol", json={"credential": credential}, headers=csrf(owner)
        )
        assert done.status_code == 201, done.text
        registered = await owner.post(
            "/api/v1/me/push-subscriptions",
            json={"subscription": _push_subscription(), "device_name": "โทรศัพท์"},
            headers=csrf(owner),
        )
        assert registered.status_code == 201, registered.text
        owned = await _apply(owner, OWNER, new_unit=CHILD)  # a number typed in a text field
        profile = (await owner.get("/api/v1/me/profile")).json()
        assert profile["national_id"] == OWNER  # in clear for its citizen
        exported = (await owner.get("/api/v1/me/export")).json()
        assert exported["profile"]["national_id"] == OWNER

    # Another citizen enrols self-asserted, signs in by number, and verifies with the digital ID.
    verifier_key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as verifier:
        await enrol_citizen(verifier, verifier_key, national_id=VERIFIER)
    async with make_client() as verifier:
        assert (await sign_in(verifier, verifier_key, national_id=VERIFIER)).status_code == 200
        provider.person = {"pid": VERIFIER, "name": "สมศักดิ์ ยืนยัน"}
        await _digital_id(verifier, "verify")
        assert (await verifier.get("/api/v1/me/profile")).json()["assurance"] == (
            "verified_digital_id"
        )

    # A kiosk: finds a citizen by number and verifies them in person, issues a recovery code,
    # enrols a citizen with no phone and applies for them.
    async with make_client() as admin, make_client() as kiosk:
        await enrol_staff(admin, "admin", full_name="ผู้ดูแล ระบบ")
        code = (await register_kiosk(admin))["code"]
        assert (await activate(kiosk, code)).status_code == 200
        await enrol_staff(kiosk, "operator", full_name="สมศรี ผู้ให้บริการ")
        at_kiosk_key = SoftAuthenticator(origin=ORIGIN)
        async with make_client() as phone:
            await enrol_citizen(phone, at_kiosk_key, national_id=AT_KIOSK)
        assert (await start(kiosk, AT_KIOSK, id_card_checked=True)).status_code == 201
        assert (await consent_with_passkey(kiosk, at_kiosk_key)).status_code in (200, 201)
        # The operator types the number of the citizen at the counter: it is theirs.
        issued = await kiosk.post(
            "/api/v1/staff/recovery-codes", json={"national_id": AT_KIOSK}, headers=csrf(kiosk)
        )
        assert issued.status_code in (201, 403), issued.text  # (a second staff member)
        started = await start(kiosk, NO_PHONE, full_name="ยาย ไม่มีโทรศัพท์", id_card_checked=True)
        assert started.status_code == 201, started.text
        assert started.json()["citizen"]["national_id_masked"].endswith(NO_PHONE[-1])
        assert (await consent_in_person(kiosk)).status_code in (200, 201)
        at_kiosk = await _apply(kiosk, NO_PHONE)

    # A citizen stops half-way through enrolment: the ceremony keeps the number, sealed.
    async with make_client() as half:
        started = await half.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": HALF_WAY, "full_name": "ครึ่ง ทาง", "language": "th"},
            headers=csrf(half),
        )
        assert started.status_code == 200, started.text

    # The agencies: a webhook queued, the feed read over the signed API, the officer console.
    await configure_webhook(
        ADMIN, "NHSO", WebhookUpdate(url="http://127.0.0.1:9/hooks"), settings=settings
    )
    nhso = await agency_id("NHSO")
    for app_id in (squatted, owned, at_kiosk):
        await set_status(app_id, "in_review", OFFICER, agency_id=nhso)
    assert await OutboxMessage.count() > 0  # webhooks and the owner's push, waiting
    signer = await signer_for("NHSO", settings)
    async with make_client() as system:
        feed = await signer.request(system, "GET", "/agency-api/v1/applications")
        assert feed.status_code == 200, feed.text
        items = {i["id"]: i for i in feed.json()["items"]}
        # The agency receives the numbers of its own applications, in clear.
        assert items[owned]["applicant"]["national_id"] == OWNER
        assert items[owned]["answers"]["new_unit"] == CHILD
        assert items[squatted]["applicant"]["national_id"] == OWNER  # the number it claimed
        assert items[squatted]["identity_disputed"] is True
        assert items[at_kiosk]["answers"]["national_id"] == NO_PHONE
        tracked = await system.post(
            "/track", data={"code": items[owned]["tracking_code"], "last4": OWNER[-4:]}
        )
        assert tracked.status_code == 200
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="NHSO")
        detail = await officer.get(f"/api/v1/officer/applications/{owned}")
        assert detail.status_code == 200, detail.text
        assert detail.json()["applicant"]["national_id"] == OWNER

    # Lookups still find each account by its number.
    for number in (OWNER, VERIFIER, AT_KIOSK, NO_PHONE):
        assert await Account.exists().where(held_by(number)), number

    values = await _every_value(db)
    assert len(values) > 500  # the day left plenty behind
    leaks = [(t, c) for t, c, text in values for n in NUMBERS if n in text]
    assert leaks == []
    ACCESS.flush()
    lines = logged.getvalue()
    assert lines.count("\n") > 50  # requests and more were logged
    assert '"logger":"portal.access"' in lines  # the access log's own lines among them
    assert [n for n in NUMBERS if n in lines] == []
