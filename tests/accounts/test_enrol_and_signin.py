"""Citizen enrolment and sign-in with real WebAuthn cryptography, on both engines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account, Challenge, Passkey, Session
from backend.asgi import create_app
from backend.settings import Settings
from backend.system.tables import AuditEntry
from tests.support.authenticator import SoftAuthenticator
from tests.support.database import engine_for
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def actions() -> list[str]:
    return [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]


async def live_session(account_id: int) -> dict[str, Any]:
    """The account's newest unrevoked session row, as the server stored it."""
    row = (
        await Session.select(Session.created_at, Session.expires_at, Session.idle_timeout_s)
        .where((Session.account == account_id) & Session.revoked_at.is_null())
        .order_by(Session.id, ascending=False)
        .first()
    )
    assert row is not None
    return row


async def test_enrol_creates_account_passkey_and_signed_in_session(client: Client) -> None:
    national_id = thai_id(1)
    body = await enrol_citizen(client, national_id=national_id, full_name="สมหญิง รักไทย")
    assert body["authenticated"] is True
    assert body["account"]["full_name"] == "สมหญิง รักไทย"
    assert body["account"]["assurance"] == "self_asserted"
    assert body["account"]["role"] == "citizen"

    account = await Account.select().where(held_by(national_id)).first()
    assert account is not None
    assert account["user_handle"] and national_id not in account["user_handle"]
    passkeys = await Passkey.select().where(Passkey.account == account["id"])
    assert len(passkeys) == 1
    assert passkeys[0]["name"] == "โทรศัพท์"

    session = await client.get("/api/v1/session")
    assert session.json()["authenticated"] is True
    assert session.headers["cache-control"] == "no-store"
    assert "account.enrolled" in await actions()


async def test_enrol_cookie_is_httponly_samesite_and_not_secure_on_localhost(
    client: Client,
) -> None:
    start = await client.post(
        "/api/v1/auth/enrol/options",
        json={"national_id": thai_id(), "full_name": "ทดสอบ ระบบ", "language": "th"},
    )
    cookies = start.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("portal_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie or "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # localhost development
    csrf_cookie = next(c for c in cookies if c.startswith("portal_csrf="))
    assert "HttpOnly" not in csrf_cookie  # the page must read it
    options = start.json()["public_key"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["rp"]["id"] == "portal.localhost"


async def test_a_held_id_number_is_told_only_after_the_ceremony_and_leads_to_verification(
    client: Client, make_client: Any
) -> None:
    national_id = thai_id(2)
    await enrol_citizen(client, national_id=national_id)
    async with make_client() as other:
        start = await other.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": national_id, "full_name": "คนอื่น ปลอมตัว", "language": "th"},
        )
        # The options look like any other: nothing tells the number has an account.
        assert start.status_code == 200
        assert set(start.json()["public_key"]) >= {"challenge", "rp", "user"}
        credential = SoftAuthenticator(origin=ORIGIN).register(start.json()["public_key"])
        done = await other.post(
            "/api/v1/auth/enrol",
            json={"credential": credential, "name": "x"},
            headers=csrf(other),
        )
    assert done.status_code == 409
    body = done.json()
    assert body["code"] == "id_needs_verification"
    assert "ThaiD" in body["message_th"] and "ว่าการอำเภอ" in body["message_th"]
    assert await Account.count().where(held_by(national_id)) == 1
    assert await Account.count().where(Account.full_name == "คนอื่น ปลอมตัว") == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"national_id": "1234567890123", "full_name": "ชื่อ นามสกุล"}, "national_id"),
        ({"national_id": thai_id(3), "full_name": "ก"}, "full_name"),
        ({"national_id": thai_id(3), "full_name": "ชื่อ นามสกุล", "phone": "12345"}, "phone"),
    ],
)
async def test_enrol_validation_names_the_field_in_thai_and_english(
    client: Client, payload: dict[str, str], field: str
) -> None:
    response = await client.post("/api/v1/auth/enrol/options", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) == {field}
    assert body["fields"][field]["th"] and body["fields"][field]["en"]
    assert await Account.count() == 0


async def test_sign_out_then_username_less_sign_in_rotates_the_session(client: Client) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    enrolled = await enrol_citizen(client, authenticator)
    out = await client.post("/api/v1/auth/signout", headers=csrf(client))
    assert out.status_code == 200
    assert (await client.get("/api/v1/session")).json()["authenticated"] is False

    start = await client.post("/api/v1/auth/signin/options", json={})
    assert start.json()["public_key"]["allowCredentials"] == []  # username-less
    ceremony_cookie = client.cookies.get("portal_session")
    # Marked as nobody's (the page asks no session check for it when it opens).
    assert client.cookies["portal_csrf"].startswith("anon.")
    credential = authenticator.authenticate(start.json()["public_key"])
    done = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert done.status_code == 200, done.text
    assert done.json()["account"]["id"] == enrolled["account"]["id"]
    assert client.cookies.get("portal_session") != ceremony_cookie  # rotated
    assert not client.cookies["portal_csrf"].startswith("anon.")  # a signed-in session's
    assert authenticator.credentials[0].sign_count == 1
    stored = await Passkey.select(Passkey.sign_count, Passkey.last_used_at).first()
    assert stored is not None and stored["sign_count"] == 1 and stored["last_used_at"]
    assert (await actions())[-1] == "signin.succeeded"
    # DESIGN.md: a citizen's session ends after 1 h idle, and 24 h after sign-in however active.
    row = await live_session(enrolled["account"]["id"])
    assert row["idle_timeout_s"] == 3600
    assert row["expires_at"] - row["created_at"] == dt.timedelta(hours=24)
    assert done.json()["idle_timeout_s"] == 3600


async def test_sign_in_fallback_with_id_number_offers_that_accounts_passkeys(
    client: Client,
) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    national_id = thai_id(4)
    await enrol_citizen(client, authenticator, national_id=national_id)
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    start = await client.post("/api/v1/auth/signin/options", json={"national_id": national_id})
    allowed = start.json()["public_key"]["allowCredentials"]
    assert [c["id"] for c in allowed] == [
        (await Passkey.select(Passkey.credential_id).first() or {})["credential_id"]
    ]
    unknown = await client.post(
        "/api/v1/auth/signin/options", json={"national_id": thai_id(5)}, headers=csrf(client)
    )
    assert unknown.status_code == 200  # reveals nothing about which ID numbers exist:
    [made_up] = unknown.json()["public_key"]["allowCredentials"]  # a passkey id all the same
    assert not await Passkey.exists().where(Passkey.credential_id == made_up["id"])
    response = await sign_in(client, authenticator, national_id=national_id)
    assert response.status_code == 200


async def test_operator_enrols_signs_out_and_signs_in_with_staff_timeouts(
    client: Client,
) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    enrolled = await enrol_staff(client, "operator", authenticator)
    assert enrolled["account"]["role"] == "operator"
    assert enrolled["idle_timeout_s"] == 15 * 60
    assert (await client.post("/api/v1/auth/signout", headers=csrf(client))).status_code == 200

    response = await sign_in(client, authenticator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"]["id"] == enrolled["account"]["id"]
    assert body["account"]["role"] == "operator"
    assert body["idle_timeout_s"] == 15 * 60
    row = await live_session(body["account"]["id"])
    assert row["idle_timeout_s"] == 15 * 60
    assert row["expires_at"] - row["created_at"] == dt.timedelta(hours=12)
    assert (await client.get("/api/v1/session")).json()["account"]["role"] == "operator"
    assert (await actions())[-1] == "signin.succeeded"


async def test_cookies_are_secure_on_a_public_https_origin(settings: Settings, db: Any) -> None:
    """Off localhost every cookie the ceremony and the signed-in session set is `Secure`."""
    origin = "https://portal.example.go.th"
    public = msgspec.structs.replace(settings, public_origin=origin)
    assert public.secure_cookies is True
    app = create_app(settings=public, engine=engine_for(db), pool=False)
    async with AsyncTestClient(app=app, base_url=origin) as https_client:
        start = await https_client.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": thai_id(7), "full_name": "ทดสอบ เอชทีทีพีเอส", "language": "th"},
        )
        assert start.json()["public_key"]["rp"]["id"] == "portal.example.go.th"
        credential = SoftAuthenticator(origin=origin).register(start.json()["public_key"])
        done = await https_client.post(
            "/api/v1/auth/enrol", json={"credential": credential}, headers=csrf(https_client)
        )
    assert done.status_code == 201, done.text
    for response in (start, done):
        cookies = response.headers.get_list("set-cookie")
        assert {c.split("=", 1)[0] for c in cookies} == {"portal_session", "portal_csrf"}
        assert all("; Secure" in c for c in cookies), cookies


async def test_a_ceremony_can_finish_on_another_app_process(
    client: Client, settings: Any, db: Any
) -> None:
    """Challenges and sessions live in the database: a second app instance (another process
    behind the proxy) finishes what the first one started."""
    authenticator = SoftAuthenticator(origin=ORIGIN)
    start = await client.post(
        "/api/v1/auth/enrol/options",
        json={"national_id": thai_id(6), "full_name": "ข้าม โปรเซส", "language": "th"},
    )
    credential = authenticator.register(start.json()["public_key"])
    second = create_app(settings=settings, engine=engine_for(db), pool=False)
    async with AsyncTestClient(app=second, base_url=ORIGIN, cookies=client.cookies) as other:
        done = await other.post(
            "/api/v1/auth/enrol", json={"credential": credential}, headers=csrf(client)
        )
    assert done.status_code == 201, done.text
    assert await Challenge.count().where(Challenge.used_at.is_not_null()) == 1
