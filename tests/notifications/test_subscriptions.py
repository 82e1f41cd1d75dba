"""Push subscriptions: the VAPID key, registering (idempotent on the endpoint), the endpoint
allow-list, listing, renaming and removing devices, forgetting them at sign-out, and the
service worker's `pushsubscriptionchange`; never another citizen's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from backend.lib.webpush import load_or_create_vapid
from backend.notifications.schemas import BrowserSubscription, PushKeys
from backend.notifications.subscriptions import (
    MAX_SUBSCRIPTIONS,
    InvalidPushSubscriptionError,
    check_subscription,
)
from backend.notifications.tables import PushSubscription
from backend.settings import Settings
from tests.support.authenticator import SoftAuthenticator
from tests.support.database import Database
from tests.support.flows import ORIGIN, csrf, enrol_citizen, enrol_staff, sign_in, thai_id
from tests.support.kiosk import activate, consent_in_person, register_kiosk, start
from tests.support.notifications import SUBSCRIPTIONS, register, subscribe_device
from tests.support.push_service import PushService

Client = Any

CHANGE = "/api/v1/push/subscription-change"


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    return await enrol_citizen(client, national_id=thai_id(61))


async def devices(client: Client) -> list[dict[str, Any]]:
    response = await client.get(SUBSCRIPTIONS)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-cache"
    found: list[dict[str, Any]] = response.json()
    return found


async def test_the_vapid_public_key_is_public_and_cacheable(
    client: Client, settings: Settings
) -> None:
    response = await client.get("/api/v1/push/vapid-public-key")
    assert response.status_code == 200
    assert response.json() == {"public_key": load_or_create_vapid(settings).public_key_b64url}
    assert response.headers["cache-control"] == "max-age=3600, public"
    again = await client.get(
        "/api/v1/push/vapid-public-key", headers={"if-none-match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_registering_the_same_endpoint_again_updates_it(
    client: Client, citizen: dict[str, Any], push: PushService
) -> None:
    subscription = await subscribe_device(client, push, "Android · Chrome")
    [device] = await devices(client)
    assert device["device_name"] == "Android · Chrome"
    assert device["push_service"] == "127.0.0.1"
    assert device["current"] is True

    # The browser re-sends it on the next app start (new keys, no label): same row.
    renewed = {**push.subscribe(), "endpoint": subscription["endpoint"]}
    again = await register(client, renewed, device_name="")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == device["id"]
    assert again.json()["device_name"] == "Android · Chrome"
    [after] = await devices(client)
    assert after["id"] == device["id"] and after["updated_at"] >= device["updated_at"]


async def test_rename_and_remove_a_device(
    client: Client, citizen: dict[str, Any], push: PushService
) -> None:
    await subscribe_device(client, push, "แท็บเล็ต")
    await subscribe_device(client, push, "โทรศัพท์")
    phone, tablet = await devices(client)
    renamed = await client.patch(
        f"{SUBSCRIPTIONS}/{phone['id']}", json={"device_name": "มือถือแม่"}, headers=csrf(client)
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["device_name"] == "มือถือแม่"

    removed = await client.delete(f"{SUBSCRIPTIONS}/{tablet['id']}", headers=csrf(client))
    assert removed.status_code == 204
    assert [d["device_name"] for d in await devices(client)] == ["มือถือแม่"]
    gone = await client.delete(f"{SUBSCRIPTIONS}/{tablet['id']}", headers=csrf(client))
    assert gone.status_code == 404
    assert gone.json()["code"] == "push_subscription_not_found"


async def test_the_oldest_device_goes_past_the_limit(
    client: Client, citizen: dict[str, Any], push: PushService
) -> None:
    for n in range(MAX_SUBSCRIPTIONS + 1):
        await subscribe_device(client, push, f"device {n}")
    names = [d["device_name"] for d in await devices(client)]
    assert len(names) == MAX_SUBSCRIPTIONS
    assert "device 0" not in names and "device 10" in names


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/dA1b2C3", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAAAA", True),
        ("https://db5p.notify.windows.com/w/?token=BQYAAA", True),
        ("https://web.push.apple.com/QGuQyavXutnMx", True),
        ("https://fcm.googleapis.com:443/fcm/send/x", True),
        ("http://fcm.googleapis.com/fcm/send/x", False),
        ("https://fcm.googleapis.com:8443/fcm/send/x", False),
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evil.example/fcm.googleapis.com", False),
        ("https://user@fcm.googleapis.com/x", False),
        ("https://notify.windows.com/w/", False),
        ("https://10.0.0.7/push", False),
        ("http://127.0.0.1:8080/push/x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_known_push_services_over_https(
    endpoint: str, allowed: bool, push_keys: dict[str, str]
) -> None:
    subscription = BrowserSubscription(endpoint=endpoint, keys=PushKeys(**push_keys))
    if allowed:
        check_subscription(subscription, Settings())
    else:
        with pytest.raises(InvalidPushSubscriptionError):
            check_subscription(subscription, Settings())


def test_loopback_http_only_when_allowed(push_keys: dict[str, str]) -> None:
    settings = Settings(push_allow_loopback_http=True)
    local = BrowserSubscription(endpoint="http://127.0.0.1:8080/push/x", keys=PushKeys(**push_keys))
    check_subscription(local, settings)
    for endpoint in ("http://localhost:8080/push/x", "http://10.0.0.7/push/x"):
        with pytest.raises(InvalidPushSubscriptionError):
            check_subscription(msgspec.structs.replace(local, endpoint=endpoint), settings)


@pytest.fixture
def push_keys() -> dict[str, str]:
    keys: dict[str, str] = PushService(application_server_key="unused").subscribe()["keys"]
    return keys


async def test_bad_endpoints_and_keys_are_422(
    client: Client, citizen: dict[str, Any], push: PushService
) -> None:
    good = push.subscribe()
    for subscription, field in [
        ({**good, "endpoint": "https://evil.example/push"}, "subscription.endpoint"),
        ({**good, "keys": {**good["keys"], "p256dh": "BAAA"}}, "subscription.keys"),
        ({**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}}, "subscription.keys"),
    ]:
        response = await register(client, subscription)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_push_subscription"
        assert set(response.json()["fields"][field]) == {"en", "th"}
    assert await devices(client) == []


async def test_staff_and_strangers_cannot_register(
    client: Client, make_client: Callable[[], Client], push: PushService
) -> None:
    anonymous = await register(client, push.subscribe())
    assert anonymous.status_code == 401
    async with make_client() as officer:
        await enrol_staff(officer, "officer", agency="NHSO")
        assert (await register(officer, push.subscribe())).status_code == 403


async def test_a_citizen_never_sees_or_touches_another_citizens_devices(
    client: Client, make_client: Callable[[], Client], push: PushService, citizen: dict[str, Any]
) -> None:
    mine = await subscribe_device(client, push, "ของฉัน")
    [device] = await devices(client)
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(62))
        assert await devices(other) == []
        for response in [
            await other.delete(f"{SUBSCRIPTIONS}/{device['id']}", headers=csrf(other)),
            await other.patch(
                f"{SUBSCRIPTIONS}/{device['id']}", json={"device_name": "x"}, headers=csrf(other)
            ),
            await other.post(
                f"{SUBSCRIPTIONS}/forget", json={"endpoint": mine["endpoint"]}, headers=csrf(other)
            ),
        ]:
            assert response.status_code == 404, response.text
    assert [d["device_name"] for d in await devices(client)] == ["ของฉัน"]


async def test_a_shared_phone_follows_whoever_registered_last(
    client: Client, make_client: Callable[[], Client], push: PushService, citizen: dict[str, Any]
) -> None:
    subscription = await subscribe_device(client, push)
    async with make_client() as sister:
        await enrol_citizen(sister, national_id=thai_id(63))
        assert (await register(sister, subscription)).status_code == 200
        assert len(await devices(sister)) == 1
    assert await devices(client) == []


async def test_forget_by_endpoint(
    client: Client, citizen: dict[str, Any], push: PushService
) -> None:
    subscription = await subscribe_device(client, push)
    forget = await client.post(
        f"{SUBSCRIPTIONS}/forget", json={"endpoint": subscription["endpoint"]}, headers=csrf(client)
    )
    assert forget.status_code == 204
    assert await devices(client) == []


async def test_signing_out_forgets_that_sessions_device_only(
    client: Client, make_client: Callable[[], Client], push: PushService, db: Database
) -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, authenticator, national_id=thai_id(64))
    await subscribe_device(client, push, "โทรศัพท์")
    async with make_client() as tablet:
        signed_in = await sign_in(tablet, authenticator)
        assert signed_in.status_code == 200, signed_in.text
        await subscribe_device(tablet, push, "แท็บเล็ต")
        assert len(await devices(tablet)) == 2

        out = await client.post("/api/v1/auth/signout", headers=csrf(client))
        assert out.status_code == 200
        assert [d["device_name"] for d in await devices(tablet)] == ["แท็บเล็ต"]

        everywhere = await tablet.post("/api/v1/auth/signout-all", headers=csrf(tablet))
        assert everywhere.status_code == 200
    async with make_client() as again:
        await sign_in(again, authenticator)
        assert await devices(again) == []


async def test_the_service_worker_replaces_a_subscription_without_a_session(
    client: Client, make_client: Callable[[], Client], push: PushService, citizen: dict[str, Any]
) -> None:
    old = await subscribe_device(client, push, "โทรศัพท์")
    new = push.subscribe()
    async with make_client() as worker:  # no cookies: the session may be long gone
        wrong = await worker.post(
            CHANGE,
            json={
                "old_endpoint": old["endpoint"],
                "old_auth": new["keys"]["auth"],
                "subscription": new,
            },
        )
        assert wrong.status_code == 404
        right = await worker.post(
            CHANGE,
            json={
                "old_endpoint": old["endpoint"],
                "old_auth": old["keys"]["auth"],
                "subscription": {**new, "expirationTime": None},
            },
        )
        assert right.status_code == 204, right.text
    [device] = await devices(client)
    assert device["device_name"] == "โทรศัพท์"
    # Registering the new endpoint from the page now finds the same row.
    assert (await register(client, new, "")).json()["id"] == device["id"]


async def test_never_at_a_kiosk(make_client: Callable[[], Client], push: PushService) -> None:
    """An operator serving a citizen acts as that citizen, but a kiosk is a shared device."""
    async with make_client() as admin, make_client() as kiosk:
        await enrol_staff(admin, "admin")
        registered = await register_kiosk(admin)
        assert (await activate(kiosk, registered["code"])).status_code == 200
        await enrol_staff(kiosk, "operator")
        await start(kiosk, thai_id(65), id_card_checked=True, full_name="สมปอง มาขอ")
        assert (await consent_in_person(kiosk)).status_code == 200
        assert (await kiosk.get("/api/v1/dashboard")).status_code == 200  # acting as citizen
        refused = await register(kiosk, push.subscribe())
        assert refused.status_code == 403  # a citizen's devices are theirs alone to manage
        assert refused.json()["code"] == "outside_consent"
        assert await PushSubscription.count() == 0
