"""Verification with the national digital ID, against a real OpenID Connect provider on
loopback (tests/support/oidc_provider.py): sign-up, verifying an account, every way the
provider's answer can fail to prove who the person is, and the squatter's account frozen."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import DISPUTED, held_by, open_id
from backend.accounts.tables import Account, Challenge
from backend.applications.tables import Application
from backend.catalog.tables import Service
from backend.lib import oidc
from backend.settings import Settings
from backend.system.tables import AuditEntry
from tests.support.agency import apply_id_card, msgspec_replace, signer_for
from tests.support.applications import apply
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider

Client = AsyncTestClient[Any]
START = "/api/v1/auth/digital-id/start"
PERSON = "/api/v1/auth/digital-id/person"
NAME = "สมหญิง ตัวจริง"


@pytest.fixture(scope="module")
def running() -> Iterator[OidcProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(running: OidcProvider) -> OidcProvider:
    """The module's provider as if just started; the portal as if it had never asked it
    (one issuer for the module: its app is built once per engine)."""
    running.reset({"pid": thai_id(77), "name": NAME})
    oidc._PARTIES.clear()
    return running


@pytest.fixture
def settings(settings: Settings, provider: OidcProvider) -> Settings:
    return msgspec_replace(
        settings,
        digital_id_issuer=provider.issuer,
        digital_id_client_id=CLIENT_ID,
        digital_id_client_secret=CLIENT_SECRET,
    )


async def through_provider(client: Client, intent: str = "signup") -> Any:
    """What the browser does: start, follow the provider's redirect back, and return the
    portal's answer to the callback."""
    start = await client.post(START, json={"intent": intent}, headers=csrf(client))
    assert start.status_code == 200, start.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.json()["url"])
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == ORIGIN
    return await client.get(f"{back.path}?{back.query}", follow_redirects=False)


async def signup(client: Client, authenticator: SoftAuthenticator | None = None) -> Any:
    """Verified person → first passkey; returns the enrol response."""
    options = await client.post(
        "/api/v1/auth/digital-id/enrol/options",
        json={"phone": "0891234567", "language": "th"},
        headers=csrf(client),
    )
    assert options.status_code == 200, options.text
    credential = (authenticator or SoftAuthenticator(origin=ORIGIN)).register(
        options.json()["public_key"]
    )
    return await client.post(
        "/api/v1/auth/enrol",
        json={"credential": credential, "name": "โทรศัพท์"},
        headers=csrf(client),
    )


async def audit(action: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await AuditEntry.select().where(AuditEntry.action == action)
    return rows


async def test_sign_up_with_the_digital_id(client: Client, provider: OidcProvider) -> None:
    back = await through_provider(client)
    assert back.status_code == 303
    assert back.headers["location"] == "/#/enrol?verified=1"
    person = (await client.get(PERSON)).json()
    pid = provider.person["pid"]
    assert person == {
        "full_name": NAME,
        "national_id_masked": f"{pid[0]}-xxxx-xxxxx-{pid[10:12]}-{pid[12]}",
        "provider": "ThaiD",
        "holder": "none",
        "has_passkey": False,
    }
    done = await signup(client)
    assert done.status_code == 201, done.text
    assert done.json()["account"]["assurance"] == "verified_digital_id"
    account = await Account.select().where(held_by(pid)).first()
    assert account is not None
    assert (account["full_name"], account["assurance"], account["assurance_provider"]) == (
        NAME,
        "verified_digital_id",
        "ThaiD",
    )
    assert dt.datetime.now(dt.UTC) - account["assured_at"] < dt.timedelta(minutes=1)
    assert len(await audit("digital_id.verified")) == 1
    # One check makes one account: the verified person is used up.
    assert (await client.get(PERSON)).status_code in (400, 401)
    assert provider.requests == [
        "GET /.well-known/openid-configuration",
        "GET /authorize",
        "POST /token",
        "GET /jwks",
    ]


async def test_verify_an_existing_account(client: Client, provider: OidcProvider) -> None:
    await enrol_citizen(client, national_id=provider.person["pid"], full_name="สมหญิง")
    back = await through_provider(client, "verify")
    assert back.status_code == 303
    assert back.headers["location"] == "/#/account?verified=digital_id"
    profile = (await client.get("/api/v1/me/profile")).json()
    assert profile["assurance"] == "verified_digital_id"
    assert profile["assurance_provider"] == "ThaiD"
    exported = (await client.get("/api/v1/me/export")).json()["profile"]
    assert (exported["assurance"], exported["assurance_provider"]) == (
        "verified_digital_id",
        "ThaiD",
    )
    assert exported["assured_at"]
    notices = (await client.get("/api/v1/me/notifications")).json()["items"]
    assert any("ยืนยันตัวตนด้วยแอป" in n["text"]["th"] for n in notices), notices


async def test_a_digital_id_for_another_number_does_not_verify(
    client: Client, provider: OidcProvider
) -> None:
    await enrol_citizen(client, national_id=thai_id(5))
    back = await through_provider(client, "verify")
    assert back.status_code == 400
    assert "ไม่ตรงกับบัญชีนี้" in back.text
    assert back.headers["content-type"].startswith("text/html")
    profile = (await client.get("/api/v1/me/profile")).json()
    assert profile["assurance"] == "self_asserted"
    assert [r["detail"] for r in await audit("digital_id.failed")] == ['{"reason": "other_person"}']


@pytest.mark.parametrize(
    ("misbehave", "reason"),
    [
        ({"overrides": {"nonce": "not-the-portals"}}, "claim:invalid_claim"),
        ({"overrides": {"aud": "another-client"}}, "claim:invalid_claim"),
        ({"overrides": {"exp": 1_700_000_000, "iat": 1_699_999_000}}, "claim:expired_token"),
        ({"overrides": {"iss": "https://impostor.example"}}, "claim:invalid_claim"),
        ({"tamper": True}, "bad_token:bad_signature"),
        ({"overrides": {"pid": "1234567890123"}}, "no_national_id"),
    ],
    ids=["nonce", "audience", "expired", "issuer", "signature", "bad-pid"],
)
async def test_an_answer_that_proves_nothing_changes_nothing(
    client: Client, provider: OidcProvider, misbehave: dict[str, Any], reason: str
) -> None:
    for name, value in misbehave.items():
        setattr(provider, name, value)
    before = await Account.count()
    back = await through_provider(client)
    assert back.status_code == 400
    assert "ไม่สามารถยืนยันตัวตน" in back.text
    assert (await client.get(PERSON)).json()["code"] == "verified_person_missing"
    assert await Account.count() == before
    failed = await audit("digital_id.failed")
    assert len(failed) == 1 and reason in failed[0]["detail"]
    assert provider.person["pid"] not in failed[0]["detail"]


async def test_a_rotated_key_is_fetched_once_and_accepted(
    client: Client, make_client: Any, provider: OidcProvider
) -> None:
    assert (await through_provider(client)).status_code == 303
    provider.rotate()
    async with make_client() as other:
        assert (await through_provider(other)).status_code == 303
    assert provider.requests.count("GET /jwks") == 2


async def test_the_person_cancelling_is_told_nothing_changed(
    client: Client, provider: OidcProvider
) -> None:
    provider.deny = True
    back = await through_provider(client)
    assert back.status_code == 400
    assert "คุณยกเลิกการยืนยันตัวตน" in back.text
    assert 'href="/#/enrol"' in back.text


async def test_state_must_be_this_sessions_and_used_once(
    client: Client, make_client: Any, provider: OidcProvider
) -> None:
    start = await client.post(START, json={"intent": "signup"}, headers=csrf(client))
    async with httpx.AsyncClient() as browser:
        back = urlsplit((await browser.get(start.json()["url"])).headers["location"])
    callback = f"{back.path}?{back.query}"
    query = parse_qs(back.query)
    # Another browser (a link sent to a victim) has no such state.
    async with make_client() as victim:
        await victim.get("/api/v1/session")
        assert (await victim.get(callback)).status_code == 400
    # A missing or altered state is refused, and burns the started check.
    assert (await client.get(f"{back.path}?code={query['code'][0]}")).status_code == 400
    assert (await client.get(callback)).status_code == 400
    assert await Challenge.count().where(Challenge.purpose == "verified_person") == 0
    # Replayed after a success: refused.
    assert (await through_provider(client)).status_code == 303
    again = await client.get(callback)
    assert again.status_code == 400
    assert "เริ่มใหม่" in again.text


async def test_a_provider_that_is_down(client: Client, provider: OidcProvider) -> None:
    start = await client.post(START, json={"intent": "signup"}, headers=csrf(client))
    async with httpx.AsyncClient() as browser:
        back = urlsplit((await browser.get(start.json()["url"])).headers["location"])
    provider.stop()  # between the person's consent and the portal's token request
    answer = await client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 503
    assert "ไม่ตอบสนอง" in answer.text and answer.headers["retry-after"]
    assert await Challenge.count().where(Challenge.purpose == "verified_person") == 0


async def test_starting_while_the_provider_is_down_is_a_clear_503(
    make_client: Any, settings: Settings
) -> None:
    async with AsyncTestClient(
        app=_app_with(msgspec_replace(settings, digital_id_issuer="http://127.0.0.1:9")),
        base_url=ORIGIN,
    ) as browser:
        response = await browser.post(START, json={"intent": "signup"})
    assert response.status_code == 503
    assert response.json()["code"] == "digital_id_unavailable"
    assert "ว่าการอำเภอ" in response.json()["message_th"]


def _app_with(settings: Settings) -> Any:
    from backend.asgi import create_app
    from backend.lib.db import current_engine

    return create_app(settings=settings, engine=current_engine(), pool=False)


@pytest.mark.parametrize(
    "query",
    ["", "?code=x", "?state=" + "A" * 43, "?error=server_error&state=x", "?code=" + "x" * 5000],
)
async def test_garbage_at_the_callback_is_a_thai_page_never_a_500(
    client: Client, query: str
) -> None:
    await client.get("/api/v1/session")
    answer = await client.get(f"/auth/digital-id/callback{query}")
    assert answer.status_code == 400
    assert "ยืนยันตัวตนไม่สำเร็จ" in answer.text
    linked = re.findall(r'href="(/[^"#]*)"', answer.text)
    for url in linked:  # the app's stylesheet and icon, at URLs the server answers
        assert (await client.get(url)).status_code == 200, url
    assert await Account.count().where(Account.role == "citizen") == 0


async def test_off_when_not_configured(client: Client, settings: Settings) -> None:
    async with AsyncTestClient(
        app=_app_with(msgspec_replace(settings, digital_id_issuer="")), base_url=ORIGIN
    ) as browser:
        assert (await browser.get("/api/v1/auth/digital-id")).json()["enabled"] is False
        response = await browser.post(START, json={"intent": "signup"})
        assert response.status_code == 404
        assert response.json()["code"] == "digital_id_off"
    assert (await client.get("/api/v1/auth/digital-id")).json() == {
        "enabled": True,
        "name": "ThaiD",
    }


async def test_bad_input_on_the_new_endpoints(client: Client) -> None:
    bad = await client.post(START, json={"intent": "everything"})
    assert bad.status_code == 400 and bad.json()["code"]
    assert (await client.post(START, json={"intent": "verify"})).status_code == 401
    none = await client.post("/api/v1/auth/digital-id/enrol/options", json={})
    assert none.status_code == 400
    assert none.json()["code"] == "verified_person_missing"
    assert "ThaiD" not in none.json()["message"] or none.json()["message_th"]


# --- Squatting -----------------------------------------------------------------------------


async def test_a_squatter_is_frozen_when_the_verified_owner_comes(
    client: Client, make_client: Any, provider: OidcProvider, settings: Settings
) -> None:
    pid = provider.person["pid"]
    squatter_key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as squatter:
        await enrol_citizen(squatter, squatter_key, national_id=pid, full_name="คนแอบอ้าง")
        submitted = await apply_id_card(squatter)
        draft = (await apply(squatter, submit=False)).json()["id"]
    squatter_id = (await Account.select(Account.id).where(held_by(pid)))[0]["id"]

    # The owner proves who they are; the number is held by an account they cannot sign in to.
    assert (await through_provider(client)).status_code == 303
    person = (await client.get(PERSON)).json()
    assert (person["holder"], person["has_passkey"]) == ("other", True)
    done = await signup(client)
    assert done.status_code == 201, done.text
    owner_id = done.json()["account"]["id"]

    owner = await Account.select().where(Account.id == owner_id).first()
    assert owner is not None and open_id(owner["national_id_sealed"]) == pid
    frozen = await Account.select().where(Account.id == squatter_id).first()
    assert frozen is not None
    assert (frozen["national_id_sealed"], frozen["national_id_index"]) == (None, None)
    assert open_id(frozen["disputed_national_id_sealed"], DISPUTED) == pid
    assert frozen["frozen_reason"] == "identity_disputed" and frozen["disabled_at"] is not None
    # The squatter can no longer act.
    async with make_client() as squatter:
        assert (await sign_in(squatter, squatter_key)).status_code in (401, 403)
    # Their draft is gone, their submitted application flagged.
    apps = {
        r["id"]: r for r in await Application.select().where(Application.account == squatter_id)
    }
    assert apps[draft]["deleted_at"] is not None
    assert apps[submitted]["identity_disputed"] is True
    # The agency sees it in its feed, with the ID number the application was made under.
    signer = await signer_for("DOPA", settings)
    feed = (await signer.request(client, "GET", "/agency-api/v1/applications")).json()
    flagged = [i for i in feed["items"] if i["id"] == submitted]
    assert flagged and flagged[0]["identity_disputed"] is True
    assert flagged[0]["applicant"]["national_id"] == pid
    assert flagged[0]["applicant"]["assurance"] == "self_asserted"
    # And in the officer console.
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="DOPA")
        queue = (await officer.get("/api/v1/officer/applications")).json()["items"]
        [listed] = [i for i in queue if i["id"] == submitted]
        assert (listed["identity_disputed"], listed["assurance"]) == (True, "self_asserted")
        one = (await officer.get(f"/api/v1/officer/applications/{submitted}")).json()
        assert one["identity_disputed"] is True
    # The owner's activity log tells the story.
    activity = (await client.get("/api/v1/me/activity")).json()
    actions = [a["action"] for a in activity]
    assert "account.identity_claimed" in actions and "account.enrolled" in actions
    assert len(await audit("account.frozen")) == 1


async def test_an_owner_who_can_sign_in_is_upgraded_not_frozen(
    client: Client, make_client: Any, provider: OidcProvider
) -> None:
    pid = provider.person["pid"]
    key = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        await enrol_citizen(phone, key, national_id=pid, full_name="สมหญิง")
    assert (await through_provider(client)).status_code == 303
    options = await client.post("/api/v1/auth/digital-id/claim/options", headers=csrf(client))
    assert options.status_code == 200
    credential = key.authenticate(options.json()["public_key"])
    claimed = await client.post(
        "/api/v1/auth/digital-id/claim", json={"credential": credential}, headers=csrf(client)
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["account"]["assurance"] == "verified_digital_id"
    assert claimed.json()["account"]["full_name"] == NAME
    assert await Account.count().where(Account.frozen_reason != "") == 0
    # Someone else's passkey cannot claim it.
    assert (await through_provider(client)).status_code == 303
    options = await client.post("/api/v1/auth/digital-id/claim/options", headers=csrf(client))
    stranger = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as other:
        await enrol_citizen(other, stranger)
    forged = stranger.authenticate(
        options.json()["public_key"], credential_id=stranger.credentials[0].credential_id
    )
    refused = await client.post(
        "/api/v1/auth/digital-id/claim", json={"credential": forged}, headers=csrf(client)
    )
    assert refused.status_code in (400, 401, 403)


async def test_a_verified_owner_gets_a_new_passkey_on_their_own_account(
    client: Client, make_client: Any, provider: OidcProvider
) -> None:
    async with make_client() as first:
        assert (await through_provider(first)).status_code == 303
        assert (await signup(first)).status_code == 201
    # Phone lost: the digital ID proves them again, and the passkey joins the same account.
    assert (await through_provider(client)).status_code == 303
    assert (await client.get(PERSON)).json()["holder"] == "verified"
    again = await signup(client)
    assert again.status_code == 201, again.text
    assert await Account.count().where(Account.role == "citizen") == 1
    assert len(await audit("recovery.digital_id")) == 1


async def test_a_verified_level_opens_services_that_need_one(
    client: Client, provider: OidcProvider
) -> None:
    await Service.update({Service.required_assurance: "verified_in_person"}).where(
        Service.slug == "change-health-unit"
    )
    await enrol_citizen(client, national_id=provider.person["pid"])
    refused = await apply(client)
    assert refused.status_code == 403
    assert "ThaiD" in refused.json()["message_th"]
    draft = await apply(client, submit=False)
    assert draft.status_code == 201  # a draft is kept while they get verified
    assert (await through_provider(client, "verify")).status_code == 303
    assert (await apply(client)).status_code == 201
