"""A local Web Push service (RFC 8030) that checks every request as a strict real one would.

For each POST to one of its endpoints it verifies the VAPID header (RFC 8292: `k` is the
applicationServerKey the subscription was made with, else 403 as §4.2 says; an ES256 JWT
signed by that key, `aud` equal to its own origin, `exp` in the next 24 hours, `sub`
present), the `TTL`, `Urgency` and `Content-Encoding: aes128gcm` headers, and decrypts the
body (RFC 8291) with the subscription's private key, as the browser would. A request that
fails a check is answered 400/401/403 and listed in `rejected`, so tests can assert that
nothing was malformed.

    async with PushService(application_server_key=portal_vapid.public_key_b64url) as push:
        subscription = push.subscribe()          # like PushSubscription.toJSON()
        push.script(subscription["endpoint"], 429, retry_after="7")
        ...
        push.received[subscription["endpoint"]]  # [Push(payload=b"...", ttl=..., ...)]
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = ["Push", "PushService", "Rejected", "b64url", "b64url_decode"]

MAX_VAPID_EXP_S = 24 * 60 * 60
URGENCIES = {"very-low", "low", "normal", "high"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Push:
    """One accepted push, as the browser's service worker would see it."""

    payload: bytes | None
    """Decrypted body; None when decryption was skipped (see `verify_every`)."""
    ttl: int
    urgency: str
    topic: str | None
    claims: dict[str, Any] | None
    at: float = 0.0
    """`time.monotonic()` when it was accepted (latency benchmarks)."""

    def json(self) -> Any:
        assert self.payload is not None
        return json.loads(self.payload)


@dataclass(frozen=True)
class Rejected:
    endpoint: str
    status: int
    reason: str


@dataclass
class _Subscriber:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str
    """base64url of the VAPID public key the browser subscribed with: the only `k` accepted."""


@dataclass(frozen=True)
class _Scripted:
    status: int
    retry_after: str | None


class _RejectError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class PushService:
    """`application_server_key` is what `subscribe()` subscribes with unless told otherwise
    (the portal's VAPID public key, as the PWA gives it to the browser). `delay_s` slows
    every answer (a slow push service); `verify_every=n` fully checks and decrypts only every
    n-th push (for throughput benchmarks), the others are counted (their `k` is still
    checked against the subscription's key)."""

    application_server_key: str = ""
    delay_s: float = 0.0
    verify_every: int = 1
    received: dict[str, list[Push]] = field(default_factory=lambda: defaultdict(list))
    rejected: list[Rejected] = field(default_factory=list)
    requests_started: int = 0
    accepted: int = 0
    first_accepted_at: float | None = None
    last_accepted_at: float | None = None
    origin: str = ""
    _subscribers: dict[str, _Subscriber] = field(default_factory=dict)
    _scripts: dict[str, deque[_Scripted]] = field(default_factory=lambda: defaultdict(deque))
    _delays: dict[str, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> PushService:
        app = web.Application()
        app.router.add_post("/push/{token}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.origin = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests call ------------------------------------------------------------------

    def subscribe(self, application_server_key: str | None = None) -> dict[str, Any]:
        """A new subscription made for `application_server_key` (default: the service's):
        fresh P-256 key pair and 16-byte auth secret, as a browser makes them, in the
        `PushSubscription.toJSON()` shape. Only pushes signed by that key are accepted."""
        server_key = application_server_key or self.application_server_key
        if not server_key:
            raise ValueError("a browser subscribes with an applicationServerKey: pass one")
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        endpoint = f"{self.origin}/push/{secrets.token_urlsafe(16)}"
        self._subscribers[endpoint] = _Subscriber(key, auth, server_key)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def script(
        self, endpoint: str, status: int, *, retry_after: str | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` valid pushes to `endpoint` with `status` (e.g. 410, 429,
        500, 413) instead of 201; pushes answered so are not recorded as received."""
        self._scripts[endpoint].extend([_Scripted(status, retry_after)] * times)

    def slow(self, endpoint: str, delay_s: float) -> None:
        self._delays[endpoint] = delay_s

    def payloads(self, endpoint: str) -> list[Any]:
        return [push.json() for push in self.received[endpoint]]

    # -- the push service --------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests_started += 1
        endpoint = f"{self.origin}{request.path}"
        subscriber = self._subscribers.get(endpoint)
        if subscriber is None:
            return web.Response(status=404, text="no such subscription")
        body = await request.read()
        verify = self.verify_every <= 1 or self.accepted % self.verify_every == 0
        try:
            push = self._check(request, body, subscriber, verify)
        except _RejectError as exc:
            self.rejected.append(Rejected(endpoint, exc.status, exc.reason))
            return web.Response(status=exc.status, text=exc.reason)
        delay = self._delays.get(endpoint, self.delay_s)
        if delay:
            await asyncio.sleep(delay)
        if self._scripts[endpoint]:
            scripted = self._scripts[endpoint].popleft()
            headers = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
            return web.Response(status=scripted.status, headers=headers)
        self.accepted += 1
        now = time.monotonic()
        self.first_accepted_at = self.first_accepted_at or now
        self.last_accepted_at = now
        self.received[endpoint].append(replace(push, at=now))
        return web.Response(status=201, headers={"Location": f"{endpoint}/m/{self.accepted}"})

    def _check(
        self, request: web.Request, body: bytes, subscriber: _Subscriber, verify: bool
    ) -> Push:
        ttl_header = request.headers.get("TTL", "")
        if not ttl_header.isdigit():
            raise _RejectError(400, "TTL header missing or not a non-negative integer")
        urgency = request.headers.get("Urgency", "")
        if urgency not in URGENCIES:
            raise _RejectError(400, f"Urgency header missing or invalid: {urgency!r}")
        topic = request.headers.get("Topic")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            raise _RejectError(415, "Content-Encoding must be aes128gcm")
        token, key = _vapid_parts(request.headers.get("Authorization", ""))
        if key != subscriber.application_server_key:
            raise _RejectError(
                403, "signed by another key than the subscription's applicationServerKey"
            )
        if not verify:
            return Push(None, int(ttl_header), urgency, topic, None)
        claims = self._check_vapid(token, key)
        try:
            payload = http_ece.decrypt(
                body,
                private_key=subscriber.private_key,
                auth_secret=subscriber.auth,
                version="aes128gcm",
            )
        except Exception as exc:  # http_ece raises assorted errors on bad input
            raise _RejectError(400, f"cannot decrypt: {exc!r}") from exc
        return Push(payload, int(ttl_header), urgency, topic, claims)

    def _check_vapid(self, token: str, key: str) -> dict[str, Any]:
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            signature = b64url_decode(signature_b64)
            if len(signature) != 64:
                raise ValueError("ES256 signature must be r‖s, 64 bytes")
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
            header = json.loads(b64url_decode(header_b64))
            claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
        except (ValueError, InvalidSignature) as exc:
            raise _RejectError(401, f"bad VAPID token: {exc!r}") from exc
        if header.get("alg") != "ES256":
            raise _RejectError(401, "VAPID token must be ES256")
        if claims.get("aud") != self.origin:
            raise _RejectError(403, f"aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        now = time.time()
        if not isinstance(exp, int) or not now < exp <= now + MAX_VAPID_EXP_S:
            raise _RejectError(403, f"exp {exp!r} is not within the next 24 hours")
        if not claims.get("sub"):
            raise _RejectError(403, "sub claim missing")
        return claims


def _vapid_parts(authorization: str) -> tuple[str, str]:
    """`Authorization: vapid t=<JWT>, k=<public key>` → (JWT, key)."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise _RejectError(401, "Authorization must use the vapid scheme")
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    return parts.get("t", ""), parts.get("k", "")
