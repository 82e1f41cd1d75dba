"""Sessions (timeouts, CSRF, sign out everywhere) and role guards, per endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Session
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def test_idle_timeout_ends_a_citizen_session(client: Client) -> None:
    await enrol_citizen(client)
    assert (await client.get("/api/v1/me/passkeys")).status_code == 200
    await Session.update(
        {Session.last_seen_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)}
    ).where(Session.account.is_not_null())
    response = await client.get("/api/v1/me/passkeys")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


async def test_idle_but_within_the_hour_stays_signed_in(client: Client) -> None:
    await enrol_citizen(client)
    await Session.update(
        {Session.last_seen_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)}
    ).where(Session.account.is_not_null())
    assert (await client.get("/api/v1/me/passkeys")).status_code == 200
    row = await Session.select(Session.last_seen_at).where(Session.account.is_not_null()).first()
    assert row is not None
    assert dt.datetime.now(dt.UTC) - row["last_seen_at"] < dt.timedelta(minutes=1)  # touched


async def test_the_activity_touch_is_written_after_the_response_is_sent(client: Client) -> None:
    """The idle-timeout bookkeeping never delays an answer: when the response's last bytes
    go out, `last_seen_at` is still the old value; by the end of the request it is new."""
    await enrol_citizen(client)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
    await Session.update({Session.last_seen_at: old}).where(Session.account.is_not_null())
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/api/v1/dashboard", "raw_path": b"/api/v1/dashboard",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"localhost"), (b"cookie", cookie.encode())],
    }  # fmt: skip
    seen_when_sent: list[dt.datetime] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            row = (
                await Session.select(Session.last_seen_at)
                .where(Session.account.is_not_null())
                .first()
            )
            assert row is not None
            seen_when_sent.append(row["last_seen_at"])

    await client.app(scope, receive, send)  # type: ignore[arg-type]
    assert seen_when_sent == [old]
    row = await Session.select(Session.last_seen_at).where(Session.account.is_not_null()).first()
    assert row is not None
    assert dt.datetime.now(dt.UTC) - row["last_seen_at"] < dt.timedelta(minutes=1)


async def test_absolute_timeout_ends_a_session_however_active(client: Client) -> None:
    await enrol_citizen(client)
    await Session.update(
        {Session.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(Session.account.is_not_null())
    response = await client.get("/api/v1/me/passkeys")
    assert response.status_code == 401


async def test_operator_idle_timeout_is_15_minutes(client: Client) -> None:
    await enrol_staff(client, "operator")
    await Session.update(
        {Session.last_seen_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)}
    ).where(Session.account.is_not_null())
    assert (await client.get("/api/v1/me/passkeys")).status_code == 401


async def test_writes_without_the_csrf_header_are_refused(client: Client) -> None:
    await enrol_citizen(client)
    missing = await client.post("/api/v1/auth/signout")
    assert missing.status_code == 403
    assert missing.json()["code"] == "csrf_failed"
    wrong = await client.post("/api/v1/auth/signout", headers={"x-csrf-token": "guess"})
    assert wrong.status_code == 403
    assert (await client.get("/api/v1/session")).json()["authenticated"] is True
    ok = await client.post("/api/v1/auth/signout", headers=csrf(client))
    assert ok.status_code == 200


async def test_sign_out_ends_only_this_session(client: Client, make_client: Any) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, authenticator)
    async with make_client() as other_device:
        assert (await sign_in(other_device, authenticator)).status_code == 200
        await client.post("/api/v1/auth/signout", headers=csrf(client))
        assert (await client.get("/api/v1/me/passkeys")).status_code == 401
        assert (await other_device.get("/api/v1/me/passkeys")).status_code == 200


async def test_sign_out_everywhere(client: Client, make_client: Any) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, authenticator)
    async with make_client() as other_device:
        assert (await sign_in(other_device, authenticator)).status_code == 200
        response = await client.post("/api/v1/auth/signout-all", headers=csrf(client))
        assert response.status_code == 200
        assert (await other_device.get("/api/v1/me/passkeys")).status_code == 401
        assert (await client.get("/api/v1/me/passkeys")).status_code == 401


async def test_signed_out_callers_get_401(client: Client) -> None:
    for method, path in [
        ("GET", "/api/v1/me/passkeys"),
        ("POST", "/api/v1/me/passkeys/options"),
        ("POST", "/api/v1/auth/signout"),
        ("POST", "/api/v1/staff/recovery-codes"),
        ("POST", "/api/v1/admin/invitations"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("citizen", "/api/v1/admin/invitations", False),
        ("operator", "/api/v1/admin/invitations", False),
        ("officer", "/api/v1/admin/invitations", False),
        ("admin", "/api/v1/admin/invitations", True),
    ],
)
async def test_role_guards(
    client: Client, make_client: Any, role: str, path: str, allowed: bool
) -> None:
    target = thai_id(9)
    async with make_client() as citizen:
        await enrol_citizen(citizen, national_id=target)
    if role == "citizen":
        await enrol_citizen(client)
    else:
        await enrol_staff(client, role, agency="DOPA" if role == "officer" else None)
    body = {"role": "operator", "full_name": "ผู้ช่วย ประจำอำเภอ"}
    response = await client.post(path, json=body, headers=csrf(client))
    if allowed:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
