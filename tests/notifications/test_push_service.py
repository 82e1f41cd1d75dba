"""The test push service must refuse what a real one refuses, or the Web Push tests prove
nothing."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import aiohttp
import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from tests.support.push_service import PushService, b64url, b64url_decode


@dataclass
class Request:
    """A push request, valid unless a field says otherwise."""

    headers: dict[str, str | None] = field(default_factory=dict)
    aud: str | None = None  # None: the push service's own origin
    exp_in: int = 3600
    forge_claims: bool = False
    other_key: bool = False  # signed by a key the subscription was not made for
    body: bytes | None = None  # None: a properly encrypted body


def portal_signer() -> Vapid:
    signer = Vapid()
    signer.generate_keys()
    return signer


def public_key(signer: Vapid) -> str:
    """The applicationServerKey a browser subscribes with for `signer`."""
    return b64url(
        signer.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def encrypt(subscription: dict[str, dict[str, str]], data: bytes) -> bytes:
    return http_ece.encrypt(
        data,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64url_decode(subscription["keys"]["p256dh"]),
        auth_secret=b64url_decode(subscription["keys"]["auth"]),
        version="aes128gcm",
    )


def authorization(signer: Vapid, aud: str, exp_in: int, *, forge: bool) -> str:
    claims = {"aud": aud, "exp": int(time.time()) + exp_in, "sub": "mailto:a@b.example"}
    header = str(signer.sign(claims)["Authorization"])
    if forge:  # change a claim after signing: the signature no longer matches
        signed = header.split("t=")[1].split(",")[0].split(".")[1]
        forged = dict(json.loads(b64url_decode(signed)), sub="mailto:evil@x.example")
        header = header.replace(signed, b64url(json.dumps(forged).encode()))
    return header


@pytest.mark.parametrize(
    ("request_", "status", "reason"),
    [
        (Request(), 201, ""),
        (Request(headers={"TTL": None}), 400, "TTL"),
        (Request(headers={"Urgency": "urgent"}), 400, "Urgency"),
        (Request(headers={"Content-Encoding": "aesgcm"}), 415, "aes128gcm"),
        (Request(headers={"Authorization": "WebPush abc"}), 401, "vapid scheme"),
        (Request(aud="http://127.0.0.1:1"), 403, "aud"),
        (Request(exp_in=2 * 24 * 3600), 403, "exp"),
        (Request(exp_in=-10), 403, "exp"),
        (Request(forge_claims=True), 401, "bad VAPID token"),
        (Request(other_key=True), 403, "another key"),
        (Request(body=b"not encrypted at all"), 400, "cannot decrypt"),
    ],
)
async def test_every_check_rejects(request_: Request, status: int, reason: str) -> None:
    portal = portal_signer()
    signer = portal_signer() if request_.other_key else portal
    async with PushService() as push, aiohttp.ClientSession() as session:
        subscription = push.subscribe(application_server_key=public_key(portal))
        headers: dict[str, str | None] = {
            "TTL": "60",
            "Urgency": "normal",
            "Content-Encoding": "aes128gcm",
            "Authorization": authorization(
                signer, request_.aud or push.origin, request_.exp_in, forge=request_.forge_claims
            ),
            **request_.headers,
        }
        sent = {k: v for k, v in headers.items() if v is not None}
        data = request_.body or encrypt(subscription, b'{"ok": true}')
        async with session.post(subscription["endpoint"], data=data, headers=sent) as response:
            assert response.status == status, await response.text()
        if status == 201:
            assert push.payloads(subscription["endpoint"]) == [{"ok": True}]
            assert push.rejected == []
        else:
            [rejected] = push.rejected
            assert reason in rejected.reason
            assert push.received[subscription["endpoint"]] == []


async def test_a_subscription_needs_the_key_it_is_made_for() -> None:
    async with PushService() as push:
        with pytest.raises(ValueError, match="applicationServerKey"):
            push.subscribe()


async def test_unknown_endpoints_are_404() -> None:
    async with PushService() as push, aiohttp.ClientSession() as session:
        response = await session.post(f"{push.origin}/push/nobody", data=b"x")
        assert response.status == 404
