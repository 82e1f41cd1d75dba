"""Every way a passkey ceremony can be wrong is refused with the right code, never a 500.

Each test would fail if its check were removed from the server."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.services import Limits, issue_invitation
from backend.accounts.tables import Account, Challenge, Passkey
from backend.system.audit import Actor
from backend.system.ratelimit import Limit
from backend.system.tables import AuditEntry
from tests.support.authenticator import SoftAuthenticator, b64url
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id
from tests.support.kiosk import activate, recovery_code, register_kiosk, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def start_enrol(client: Client) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/enrol/options",
        json={"national_id": thai_id(), "full_name": "ทดสอบ ความผิดพลาด", "language": "th"},
        headers=csrf(client),
    )
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()["public_key"]
    return options


async def finish_enrol(client: Client, credential: Any) -> Any:
    return await client.post(
        "/api/v1/auth/enrol", json={"credential": credential}, headers=csrf(client)
    )


async def failures(action: str) -> list[str]:
    """The reasons recorded for `action` audit entries, oldest first."""
    rows = await AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == action)
    return [json.loads(r["detail"]).get("reason", "") for r in rows]


async def signed_out_citizen(client: Client) -> SoftAuthenticator:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, authenticator)
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    return authenticator


# --- Registration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"origin": "http://evil.localhost:8000"}, "wrong origin"),
        ({"rp_id": "evil.localhost"}, "wrong RP ID"),
        ({"user_verified": False}, "UV flag missing"),
    ],
)
async def test_registration_checks(client: Client, kwargs: dict[str, Any], why: str) -> None:
    options = await start_enrol(client)
    credential = SoftAuthenticator(origin=ORIGIN).register(options, **kwargs)
    response = await finish_enrol(client, credential)
    assert response.status_code == 400, why
    assert response.json()["code"] == "passkey_rejected"
    assert await Account.count() == 0
    assert len(await failures("enrol.failed")) == 1


async def test_replayed_registration_challenge_is_refused(client: Client) -> None:
    options = await start_enrol(client)
    authenticator = SoftAuthenticator(origin=ORIGIN)
    bad = authenticator.register(options, origin="http://evil.localhost:8000")
    assert (await finish_enrol(client, bad)).status_code == 400  # burns the challenge
    good = SoftAuthenticator(origin=ORIGIN).register(options)
    response = await finish_enrol(client, good)
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_used"
    assert await Account.count() == 0
    assert (await failures("enrol.failed"))[-1] == "challenge_used"


async def test_expired_registration_challenge_is_refused(client: Client) -> None:
    options = await start_enrol(client)
    await Challenge.update(
        {Challenge.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5, seconds=5)}
    ).where(Challenge.id > 0)
    response = await finish_enrol(client, SoftAuthenticator(origin=ORIGIN).register(options))
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_expired"


async def test_challenge_is_bound_to_the_session_that_asked(
    client: Client, make_client: Any
) -> None:
    options = await start_enrol(client)
    credential = SoftAuthenticator(origin=ORIGIN).register(options)
    async with make_client() as stranger:
        await stranger.post("/api/v1/auth/signin/options", json={})  # has its own session
        response = await stranger.post(
            "/api/v1/auth/enrol", json={"credential": credential}, headers=csrf(stranger)
        )
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_missing"


@pytest.mark.parametrize(("path", "action"), [("enrol", "enrol"), ("signin", "signin")])
async def test_finishing_without_any_session_is_refused(
    client: Client, path: str, action: str
) -> None:
    response = await client.post(f"/api/v1/auth/{path}", json={"credential": {}})
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_missing"
    assert await failures(f"{action}.failed") == ["challenge_missing"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: {},
        lambda c: {**c, "rawId": "***not base64***"},
        lambda c: {**c, "rawId": b64url(b"another id")},
        lambda c: {**c, "response": {**c["response"], "attestationObject": b64url(b"\xff\x00")}},
        lambda c: {**c, "response": {**c["response"], "clientDataJSON": b64url(b"{not json")}},
        lambda c: {**c, "response": "nope"},
    ],
    ids=["empty", "bad-base64", "raw-id-not-id", "bad-cbor", "bad-client-data", "wrong-shape"],
)
async def test_malformed_registration_is_400_not_500(client: Client, mangle: Any) -> None:
    options = await start_enrol(client)
    credential = mangle(SoftAuthenticator(origin=ORIGIN).register(options))
    response = await finish_enrol(client, credential)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_credential"
    assert await Account.count() == 0
    assert len(await failures("enrol.failed")) == 1


async def test_body_that_is_not_json_is_400(client: Client) -> None:
    await start_enrol(client)
    response = await client.post(
        "/api/v1/auth/enrol",
        content=b"{credential:",
        headers={**csrf(client), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


# --- Authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"origin": "http://evil.localhost:8000"}, "wrong origin"),
        ({"rp_id": "evil.localhost"}, "wrong RP ID"),
        ({"user_verified": False}, "UV flag missing"),
    ],
)
async def test_assertion_checks(client: Client, kwargs: dict[str, Any], why: str) -> None:
    authenticator = await signed_out_citizen(client)
    if "rp_id" in kwargs:
        kwargs["credential_id"] = authenticator.credentials[0].credential_id
    response = await sign_in(client, authenticator, **kwargs)
    assert response.status_code == 401, why
    assert response.json()["code"] == "signin_failed"
    assert (await client.get("/api/v1/session")).json()["authenticated"] is False
    failed = await AuditEntry.select().where(AuditEntry.action == "signin.failed")
    assert len(failed) == 1 and failed[0]["subject_account_id"] is not None


async def test_sign_count_regression_is_refused(client: Client) -> None:
    authenticator = await signed_out_citizen(client)
    assert (await sign_in(client, authenticator)).status_code == 200  # count 1
    assert (await sign_in(client, authenticator)).status_code == 200  # count 2
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    response = await sign_in(client, authenticator, sign_count=1)
    assert response.status_code == 401
    assert response.json()["code"] == "passkey_counter_regressed"


async def test_zero_sign_counts_are_accepted(client: Client) -> None:
    """Synced passkeys often always report 0: 0 after 0 is fine."""
    authenticator = await signed_out_citizen(client)
    assert (await sign_in(client, authenticator, sign_count=0)).status_code == 200
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    assert (await sign_in(client, authenticator, sign_count=0)).status_code == 200


async def test_replayed_assertion_is_refused(client: Client) -> None:
    authenticator = await signed_out_citizen(client)
    start = await client.post("/api/v1/auth/signin/options", json={})
    credential = authenticator.authenticate(start.json()["public_key"])
    ok = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert ok.status_code == 200
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    # Same assertion against a fresh challenge: the signature covers the old challenge.
    await client.post("/api/v1/auth/signin/options", json={}, headers=csrf(client))
    replay = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert replay.status_code == 401
    # And the consumed challenge cannot be used twice.
    again = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert again.status_code == 400
    assert again.json()["code"] == "challenge_used"
    assert (await failures("signin.failed"))[-1] == "challenge_used"


async def test_expired_sign_in_challenge_is_refused(client: Client) -> None:
    authenticator = await signed_out_citizen(client)
    start = await client.post("/api/v1/auth/signin/options", json={})
    await Challenge.update(
        {Challenge.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)}
    ).where(Challenge.purpose == "signin")
    credential = authenticator.authenticate(start.json()["public_key"])
    response = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_expired"
    assert await failures("signin.failed") == ["challenge_expired"]


async def test_unknown_credential_is_refused(client: Client) -> None:
    await signed_out_citizen(client)
    stranger = SoftAuthenticator(origin=ORIGIN)
    stranger.register(
        {
            "challenge": b64url(b"x" * 32),
            "rp": {"id": "portal.localhost"},
            "user": {"id": b64url(b"u" * 16), "name": "x", "displayName": "x"},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        }
    )
    response = await sign_in(client, stranger)
    assert response.status_code == 401
    assert response.json()["code"] == "unknown_passkey"


async def test_revoked_passkey_is_refused(client: Client) -> None:
    authenticator = await signed_out_citizen(client)
    await Passkey.update({Passkey.revoked_at: dt.datetime.now(dt.UTC)}).where(Passkey.id > 0)
    response = await sign_in(client, authenticator)
    assert response.status_code == 401
    assert response.json()["code"] == "passkey_revoked"


async def test_user_handle_must_match_the_passkeys_owner(client: Client, make_client: Any) -> None:
    authenticator = await signed_out_citizen(client)
    start = await client.post("/api/v1/auth/signin/options", json={})
    credential = authenticator.authenticate(start.json()["public_key"])
    credential["response"]["userHandle"] = b64url(b"someone else entirely")
    response = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signin_failed"


def _set_response(part: str, value: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: {**c, "response": {**c["response"], part: value}}


@pytest.mark.parametrize(
    "mangle",
    [
        _set_response("authenticatorData", base64.b64encode(b"short").decode()),
        _set_response("clientDataJSON", b64url(b"{not json")),
        _set_response("clientDataJSON", b64url(b'{"type": "webauthn.get"}')),
        lambda c: {**c, "id": b64url(b"another id")},
        lambda c: {"id": "x"},
    ],
    ids=["bad-authenticator-data", "client-data-not-json", "client-data-fields", "id", "no-raw"],
)
async def test_malformed_assertion_is_400(client: Client, mangle: Any) -> None:
    """Garbage from a known passkey is a bad request, not a failed sign-in (400, not 401)."""
    authenticator = await signed_out_citizen(client)
    start = await client.post("/api/v1/auth/signin/options", json={})
    credential = mangle(authenticator.authenticate(start.json()["public_key"]))
    response = await client.post(
        "/api/v1/auth/signin", json={"credential": credential}, headers=csrf(client)
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_credential"
    assert await failures("signin.failed") == ["malformed"]
    assert (await client.get("/api/v1/session")).json()["authenticated"] is False


async def test_sign_in_body_that_is_not_json_is_400(client: Client) -> None:
    """Refused by the framework before any ceremony code runs, as on every JSON endpoint."""
    await signed_out_citizen(client)
    await client.post("/api/v1/auth/signin/options", json={})
    response = await client.post(
        "/api/v1/auth/signin",
        content=b"{credential:",
        headers={**csrf(client), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


async def test_rate_limit_on_enrolment_returns_429_with_retry_after(client: Client) -> None:
    national_id = thai_id(77)
    codes = []
    for _ in range(6):
        response = await client.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": national_id, "full_name": "ลอง หลายครั้ง", "language": "th"},
            headers=csrf(client),
        )
        codes.append(response.status_code)
    assert codes == [200] * 5 + [429]
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["code"] == "rate_limited"


async def test_rate_limit_on_sign_in_per_ip(client: Client) -> None:
    for _ in range(60):
        assert (
            await client.post("/api/v1/auth/signin/options", json={}, headers=csrf(client))
        ).status_code == 200
    blocked = await client.post("/api/v1/auth/signin/options", json={}, headers=csrf(client))
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers


# Each scenario sets up what its endpoint needs and returns one attempt at it. The setup runs
# before the limit is lowered, so only the attempts count against it.
Attempt = Callable[[], Awaitable[Any]]


async def enrol_ip(client: Client, make_client: Any) -> Attempt:
    async def attempt() -> Any:
        return await client.post(
            "/api/v1/auth/enrol/options",
            json={"national_id": thai_id(), "full_name": "ลอง หลายคน", "language": "th"},
            headers=csrf(client),
        )

    return attempt


async def enrol_id(client: Client, make_client: Any) -> Attempt:
    national_id = thai_id(77)

    async def attempt() -> Any:
        async with make_client() as device:  # another device each time: only the ID is shared
            return await device.post(
                "/api/v1/auth/enrol/options",
                json={"national_id": national_id, "full_name": "ลอง หลายครั้ง", "language": "th"},
            )

    return attempt


async def signin_ip(client: Client, make_client: Any) -> Attempt:
    async def attempt() -> Any:
        return await client.post("/api/v1/auth/signin/options", json={}, headers=csrf(client))

    return attempt


async def signin_account(client: Client, make_client: Any) -> Attempt:
    authenticator = await signed_out_citizen(client)

    async def attempt() -> Any:
        return await sign_in(client, authenticator)

    return attempt


async def recover_ip(client: Client, make_client: Any) -> Attempt:
    async def attempt() -> Any:
        return await client.post(
            "/api/v1/auth/recover/options", json={"code": "AAAA-BBBB"}, headers=csrf(client)
        )

    return attempt


async def operator_serving(client: Client, make_client: Any) -> str:
    """`client`: an operator at a kiosk serving a citizen with no passkey, ID card checked
    (where a recovery code can be issued); returns the citizen's ID number."""
    async with make_client() as admin:
        await enrol_staff(admin, "admin")
        registered = await register_kiosk(admin)
    assert (await activate(client, registered["code"])).status_code == 200
    await enrol_staff(client, "operator")
    national_id = thai_id(78)
    started = await start(client, national_id, id_card_checked=True, full_name="ไม่มี โทรศัพท์")
    assert started.status_code == 201, started.text
    return national_id


async def recover_account(client: Client, make_client: Any) -> Attempt:
    national_id = await operator_serving(client, make_client)
    code = (await recovery_code(client, national_id)).json()["code"]

    async def attempt() -> Any:
        async with make_client() as phone:
            return await phone.post("/api/v1/auth/recover/options", json={"code": code})

    return attempt


async def recovery_issue(client: Client, make_client: Any) -> Attempt:
    national_id = await operator_serving(client, make_client)

    async def attempt() -> Any:
        return await recovery_code(client, national_id)

    return attempt


async def invitation(client: Client, make_client: Any) -> Attempt:
    code, _ = await issue_invitation(
        Actor(account_id=None, role="test"),
        role="operator",
        full_name="ทดสอบ เชิญ",
        agency_code=None,
    )

    async def attempt() -> Any:
        return await client.post(
            "/api/v1/auth/invitation/options", json={"code": code}, headers=csrf(client)
        )

    return attempt


@pytest.mark.parametrize(
    ("limit", "scenario"),
    [
        ("ENROL_IP", enrol_ip),
        ("ENROL_ID", enrol_id),
        ("SIGNIN_IP", signin_ip),
        ("SIGNIN_ACCOUNT", signin_account),
        ("RECOVER_IP", recover_ip),
        ("RECOVER_ACCOUNT", recover_account),
        ("RECOVERY_ISSUE", recovery_issue),
        ("INVITE_IP", invitation),
    ],
)
async def test_every_limit_answers_429_with_retry_after_and_is_audited(
    client: Client,
    make_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
    scenario: Callable[[Client, Any], Awaitable[Attempt]],
) -> None:
    attempt = await scenario(client, make_client)
    configured: Limit = getattr(Limits, limit)
    monkeypatch.setattr(Limits, limit, Limit(configured.name, 1, configured.window_s))

    first = await attempt()
    assert first.status_code != 429, first.text
    refused = await attempt()
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= configured.window_s
    assert (await attempt()).status_code == 429

    # Audited once per window (a flood does not flood the log), by name, never by its key.
    audited = await AuditEntry.select(AuditEntry.detail).where(
        AuditEntry.action == "ratelimit.refused"
    )
    assert [json.loads(r["detail"]) for r in audited] == [{"limit": configured.name}]
