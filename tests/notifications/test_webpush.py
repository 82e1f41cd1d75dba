"""backend.lib.webpush against a real local push service that verifies VAPID and decrypts."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.lib import webpush
from backend.settings import Settings
from tests.support.push_service import PushService, b64url

THAI = "คำขอเปลี่ยนที่อยู่ของคุณได้รับการอนุมัติแล้ว"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No database here: the portal's VAPID key (conftest's `vapid`) lives in tmp_path."""
    return Settings(var_dir=str(tmp_path))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def body(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


async def test_delivered_and_decrypted_as_sent(
    push: PushService, session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    subscription = push.subscribe()
    sent = body(title="สถานะคำขอ", text=THAI, url="/#/applications/42")
    result = await webpush.send(
        session, subscription, sent, vapid=vapid, ttl=3600, urgency="high", topic="app-42"
    )
    assert result == webpush.PushResult("delivered", 201)
    [received] = push.received[subscription["endpoint"]]
    assert received.payload == sent
    assert received.json()["text"] == THAI
    assert (received.ttl, received.urgency, received.topic) == (3600, "high", "app-42")
    assert received.claims is not None
    assert received.claims["sub"] == "mailto:ops@portal.example.go.th"
    assert push.rejected == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "gone"),
        (410, "gone"),
        (500, "retry"),
        (503, "retry"),
        (413, "too_large"),
        (400, "failed"),
        (403, "failed"),
    ],
)
async def test_push_service_answers_are_mapped(
    push: PushService,
    session: aiohttp.ClientSession,
    vapid: webpush.VapidKeys,
    status: int,
    expected: str,
) -> None:
    subscription = push.subscribe()
    push.script(subscription["endpoint"], status)
    result = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
    assert (result.status, result.http_status, result.retry_after_s) == (expected, status, None)
    assert push.received[subscription["endpoint"]] == []
    assert push.rejected == []  # the request itself was valid


async def test_429_retry_after_in_seconds_and_as_a_date(
    push: PushService, session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    subscription = push.subscribe()
    in_90_s = email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90), usegmt=True
    )
    push.script(subscription["endpoint"], 429, retry_after="17")
    push.script(subscription["endpoint"], 429, retry_after=in_90_s)
    push.script(subscription["endpoint"], 429)

    first = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
    assert (first.status, first.retry_after_s) == ("retry", 17.0)
    second = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
    assert second.status == "retry"
    assert second.retry_after_s is not None and 85 <= second.retry_after_s <= 90
    third = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
    assert (third.status, third.retry_after_s) == ("retry", None)


async def test_a_payload_over_3_kb_is_refused_before_sending(
    push: PushService, session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    subscription = push.subscribe()
    just_fits = b"x" * webpush.PAYLOAD_LIMIT_BYTES
    assert (
        await webpush.send(session, subscription, just_fits, vapid=vapid, ttl=0)
    ).status == "delivered"
    with pytest.raises(webpush.PushPayloadTooLargeError):
        await webpush.send(session, subscription, just_fits + b"x", vapid=vapid, ttl=0)
    assert push.requests_started == 1


async def test_claims_are_fresh_for_each_push_service(
    session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    key = vapid.public_key_b64url
    async with (
        PushService(application_server_key=key) as one,
        PushService(application_server_key=key) as two,
    ):
        assert one.origin != two.origin
        subscriptions = [one.subscribe(), two.subscribe(), one.subscribe(), two.subscribe()]
        for subscription in subscriptions:
            result = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
            assert result.status == "delivered"
        assert one.rejected == [] and two.rejected == []  # each checked aud == its origin
        audiences = {
            p.claims["aud"]
            for s in (one, two)
            for ps in s.received.values()
            for p in ps
            if p.claims
        }
        assert audiences == {one.origin, two.origin}


async def test_an_unreachable_push_service_is_a_retry(
    session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    async with PushService(application_server_key=vapid.public_key_b64url) as gone:
        subscription = gone.subscribe()
    result = await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)
    assert result.status == "retry"
    assert "network error" in result.detail


async def test_a_slow_push_service_times_out_as_a_retry(
    push: PushService, session: aiohttp.ClientSession, vapid: webpush.VapidKeys
) -> None:
    subscription = push.subscribe()
    push.slow(subscription["endpoint"], 0.5)
    result = await webpush.send(
        session, subscription, body(n=1), vapid=vapid, ttl=60, timeout_s=0.2
    )
    assert result.status == "retry"


@pytest.mark.parametrize(
    "subscription",
    [
        {"endpoint": "ftp://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "", "auth": "AAAA"}},
        {"endpoint": "https://push.example/x"},
        {
            "endpoint": "https://push.example/x",
            "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(b"a" * 16)},
        },
    ],
)
async def test_malformed_subscriptions_are_refused(
    session: aiohttp.ClientSession, vapid: webpush.VapidKeys, subscription: webpush.Subscription
) -> None:
    with pytest.raises(webpush.InvalidSubscriptionError):
        await webpush.send(session, subscription, body(n=1), vapid=vapid, ttl=60)


@pytest.mark.parametrize(
    ("ttl", "urgency", "topic"),
    [(-1, "normal", None), (60, "urgent", None), (60, "low", "has space"), (60, "low", "t" * 33)],
)
async def test_bad_headers_are_refused(
    push: PushService,
    session: aiohttp.ClientSession,
    vapid: webpush.VapidKeys,
    ttl: int,
    urgency: Any,  # deliberately not a webpush.Urgency
    topic: str | None,
) -> None:
    with pytest.raises(webpush.InvalidPushRequestError):
        await webpush.send(
            session,
            push.subscribe(),
            b"{}",
            vapid=vapid,
            ttl=ttl,
            urgency=urgency,
            topic=topic,
        )
    assert push.requests_started == 0


def test_the_vapid_key_is_created_once_with_mode_0600(settings: Settings) -> None:
    first = webpush.load_or_create_vapid(settings)
    path = Path(settings.var_dir) / webpush.VAPID_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.source == str(path.resolve())
    again = webpush.load_or_create_vapid(settings)
    assert again.public_key_b64url == first.public_key_b64url
    point = webpush_public_point(path)
    assert first.public_key_b64url == b64url(point)
    assert len(point) == 65 and point[0] == 4  # uncompressed P-256: applicationServerKey


def webpush_public_point(path: Path) -> bytes:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


async def test_rotation_makes_a_new_key_that_push_services_accept(
    settings: Settings, push: PushService, session: aiohttp.ClientSession
) -> None:
    old = webpush.load_or_create_vapid(settings)
    before = push.subscribe()  # made for the old key (the fixture's)
    new = webpush.rotate_vapid(settings)
    assert new.public_key_b64url != old.public_key_b64url
    assert webpush.load_or_create_vapid(settings).public_key_b64url == new.public_key_b64url
    path = Path(settings.var_dir) / webpush.VAPID_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    after = push.subscribe(application_server_key=new.public_key_b64url)
    result = await webpush.send(session, after, b"{}", vapid=new, ttl=0)
    assert result.status == "delivered"

    # A subscription made for the old key is refused, as a real push service refuses it,
    # until its browser subscribes again with the new key (the PWA does on its next start).
    refused = await webpush.send(session, before, b"{}", vapid=new, ttl=0)
    assert (refused.status, refused.http_status) == ("failed", 403)
    [rejected] = push.rejected
    assert (rejected.endpoint, rejected.status) == (before["endpoint"], 403)
    assert "another key" in rejected.reason


def test_a_key_from_the_environment_wins_and_cannot_be_rotated(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    expected = b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    for text in (pem, raw):
        settings = Settings.from_env({"VAR_DIR": str(tmp_path), "VAPID_PRIVATE_KEY": text})
        keys = webpush.load_or_create_vapid(settings)
        assert (keys.public_key_b64url, keys.source) == (expected, "VAPID_PRIVATE_KEY")
        with pytest.raises(webpush.VapidKeyError):
            webpush.rotate_vapid(settings)
    assert not (tmp_path / webpush.VAPID_FILE).exists()


@pytest.mark.parametrize(
    ("key", "subject"),
    [("not a key", "mailto:ops@portal.example.go.th"), ("", "ops@portal.example.go.th")],
)
def test_unusable_vapid_settings_are_named(tmp_path: Path, key: str, subject: str) -> None:
    settings = Settings(var_dir=str(tmp_path), vapid_private_key=key, vapid_subject=subject)
    with pytest.raises(webpush.VapidKeyError):
        webpush.load_or_create_vapid(settings)
