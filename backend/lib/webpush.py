"""pywebpush, wrapped once. Every Web Push the portal sends goes through `send`.

What this module adds to the library: the VAPID key pair's life (generated once, kept in
VAR_DIR or given by VAPID_PRIVATE_KEY), VAPID tokens signed from a fresh claims dict for each
push service origin (pywebpush mutates the dict it is given, so a shared one would carry the
first push service's `aud` to every other), the payload limit from DESIGN.md, and one
`PushResult` per answer instead of the library's exceptions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, VapidException
from pywebpush import WebPusher, WebPushException

from backend.lib.keyfile import write_private

if TYPE_CHECKING:
    from backend.settings import Settings

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "PAYLOAD_LIMIT_BYTES",
    "VAPID_FILE",
    "InvalidPushRequestError",
    "InvalidSubscriptionError",
    "PushPayloadTooLargeError",
    "PushResult",
    "PushStatus",
    "Subscription",
    "SubscriptionKeys",
    "Urgency",
    "VapidKeyError",
    "VapidKeys",
    "WebPushError",
    "load_or_create_vapid",
    "push_service_origin",
    "rotate_vapid",
    "send",
]

log = logging.getLogger("portal.webpush")

PAYLOAD_LIMIT_BYTES = 3 * 1024
"""DESIGN.md: payload ≤ 3 KB. RFC 8291 §4 lets push services refuse more than 4096 bytes of
ciphertext (3993 of plaintext), so this also keeps us clear of that."""

VAPID_CLAIMS_TTL_S = 12 * 60 * 60
"""RFC 8292 §2: `exp` must be no more than 24 hours ahead; 12 h leaves room for clock skew."""

VAPID_TOKEN_REUSE_S = 60 * 60
"""A signed VAPID token is reused for an hour for pushes to the same push service (it is
then still valid for 11 h): ECDSA signing is ~12 % of a push's CPU time."""

MAX_CACHED_TOKENS = 1000

VAPID_FILE = "vapid_private.pem"

DEFAULT_TIMEOUT_S = 10.0
"""Whole request to the push service; far below the worker's lease."""

MAX_TOPIC = 32
_TOPIC_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

Urgency = Literal["very-low", "low", "normal", "high"]
_URGENCIES = frozenset({"very-low", "low", "normal", "high"})

PushStatus = Literal["delivered", "gone", "retry", "too_large", "failed"]


class WebPushError(Exception):
    """Base of this module's errors."""


class PushPayloadTooLargeError(WebPushError):
    """The plaintext is over PAYLOAD_LIMIT_BYTES; nothing was sent."""

    def __init__(self, size: int) -> None:
        super().__init__(f"push payload of {size} bytes exceeds {PAYLOAD_LIMIT_BYTES}")
        self.size = size


class InvalidSubscriptionError(WebPushError):
    """The subscription's endpoint or keys are malformed: it can never receive a push."""


class InvalidPushRequestError(WebPushError):
    """TTL, Urgency or Topic is not acceptable to a push service (a caller's bug)."""


class VapidKeyError(WebPushError):
    """The VAPID key or subject is missing, unreadable or not usable."""


class SubscriptionKeys(TypedDict):
    p256dh: str
    auth: str


class Subscription(TypedDict):
    """The browser's `PushSubscription.toJSON()`."""

    endpoint: str
    keys: SubscriptionKeys


@dataclass(frozen=True, slots=True)
class VapidKeys:
    signer: Any  # py_vapid.Vapid02 (untyped library)
    public_key_b64url: str
    """The browser's `applicationServerKey`: base64url of the uncompressed P-256 point."""
    subject: str
    """The `sub` claim: a mailto: or https: contact for push service operators."""
    source: str
    """Where the key came from: VAPID_PRIVATE_KEY or the key file's path."""
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict, compare=False, repr=False)
    """Signed Authorization headers by audience, with the time they stop being reused."""


@dataclass(frozen=True, slots=True)
class PushResult:
    status: PushStatus
    http_status: int | None = None
    retry_after_s: float | None = None
    """For `retry`: the push service's Retry-After in seconds, if it gave one."""
    detail: str = ""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _keys(signer: Any, subject: str, source: str) -> VapidKeys:
    if not subject.startswith(("mailto:", "https:")):
        raise VapidKeyError("VAPID_SUBJECT must be a mailto: or https: URL")
    point = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(signer, _b64url(point), subject, source)


def _signer_from_pem(pem: bytes) -> Any:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as exc:
        raise VapidKeyError(f"the VAPID private key cannot be read: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise VapidKeyError("the VAPID private key must be an EC P-256 key")
    return Vapid(private_key=key)


def _signer_from_setting(text: str) -> Any:
    if "-----BEGIN" in text:
        return _signer_from_pem(text.encode())
    try:
        # base64url of the raw 32-byte scalar or of DER, as `vapid --gen` tools print it.
        return Vapid.from_string(text)
    except (ValueError, binascii.Error, VapidException) as exc:
        raise VapidKeyError(f"VAPID_PRIVATE_KEY cannot be read: {exc}") from exc


def _new_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_or_create_vapid(settings: Settings) -> VapidKeys:
    """The VAPID key pair: VAPID_PRIVATE_KEY if set, else VAR_DIR/vapid_private.pem, created
    on first use. Every app node and worker must share it: browsers subscribe with its public
    half and push services reject pushes signed by another key."""
    if settings.vapid_private_key:
        signer = _signer_from_setting(settings.vapid_private_key)
        return _keys(signer, settings.vapid_subject, "VAPID_PRIVATE_KEY")
    path = Path(settings.var_dir).resolve() / VAPID_FILE
    if not path.exists():
        write_private(path, _new_pem(), replace=False)
        log.info("created a VAPID key pair", extra={"path": str(path)})
    return _keys(_signer_from_pem(path.read_bytes()), settings.vapid_subject, str(path))


def rotate_vapid(settings: Settings) -> VapidKeys:
    """Replace the key file with a new pair. Every existing push subscription was made for the
    old public key: push services will refuse our pushes to them until each browser
    subscribes again with the new `applicationServerKey`."""
    if settings.vapid_private_key:
        raise VapidKeyError("the key comes from VAPID_PRIVATE_KEY: rotate it there")
    path = Path(settings.var_dir).resolve() / VAPID_FILE
    write_private(path, _new_pem(), replace=True)
    log.warning("rotated the VAPID key pair", extra={"path": str(path)})
    return load_or_create_vapid(settings)


def _check_request(subscription: Subscription, ttl: int, urgency: str, topic: str | None) -> str:
    """Validate what we would send; return the push service's origin (the `aud` claim)."""
    if ttl < 0:
        raise InvalidPushRequestError("ttl must be ≥ 0 seconds")
    if urgency not in _URGENCIES:
        raise InvalidPushRequestError(f"urgency must be one of {sorted(_URGENCIES)}")
    # RFC 8030 §5.4: at most 32 characters of the base64url alphabet.
    if topic is not None and not (0 < len(topic) <= MAX_TOPIC and set(topic) <= _TOPIC_ALPHABET):
        raise InvalidPushRequestError("topic must be 1–32 base64url characters")
    try:
        endpoint = urlsplit(subscription["endpoint"])
        keys = subscription["keys"]
        if not (keys["p256dh"] and keys["auth"]):
            raise InvalidSubscriptionError("subscription keys are empty")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSubscriptionError(f"malformed subscription: {exc!r}") from exc
    if endpoint.scheme not in {"https", "http"} or not endpoint.hostname:
        raise InvalidSubscriptionError("the endpoint must be an http(s) URL")
    return push_service_origin(subscription["endpoint"])


def push_service_origin(endpoint: str) -> str:
    """The push service an endpoint belongs to: the VAPID `aud` for pushes to it."""
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


def _authorization(vapid: VapidKeys, audience: str) -> str:
    """The VAPID header for pushes to `audience`, signed at most once per VAPID_TOKEN_REUSE_S."""
    now = int(time.time())
    cached = vapid.tokens.get(audience)
    if cached is not None and cached[1] > now:
        return cached[0]
    if len(vapid.tokens) >= MAX_CACHED_TOKENS:
        vapid.tokens.clear()  # endpoints come from browsers: never grow without bound
    # A fresh claims dict for every signature (pywebpush would mutate a shared one).
    claims = {"aud": audience, "exp": now + VAPID_CLAIMS_TTL_S, "sub": vapid.subject}
    try:
        header = str(vapid.signer.sign(claims)["Authorization"])
    except VapidException as exc:
        raise VapidKeyError(str(exc)) from exc
    vapid.tokens[audience] = (header, now + VAPID_TOKEN_REUSE_S)
    return header


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _result(status: int, retry_after: str | None, body: str, endpoint: str) -> PushResult:
    detail = f"push service answered {status}" + (f": {body[:200]}" if body else "")
    if status in {200, 201, 202}:
        return PushResult("delivered", status)
    if status in {404, 410}:
        return PushResult("gone", status, detail=detail)
    if status == 429 or status >= 500:
        return PushResult("retry", status, _retry_after_s(retry_after), detail)
    if status == 413:
        # We check the size before sending, so this means our limit or padding is wrong.
        log.error(
            "push service refused the payload as too large: a bug in the portal",
            extra={"endpoint_origin": urlsplit(endpoint).netloc, "http_status": status},
        )
        return PushResult("too_large", status, detail=detail)
    return PushResult("failed", status, detail=detail)


async def send(
    session: aiohttp.ClientSession,
    subscription: Subscription,
    payload: bytes,
    *,
    vapid: VapidKeys,
    ttl: int,
    urgency: Urgency = "normal",
    topic: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> PushResult:
    """Encrypt `payload` (aes128gcm) for `subscription` and POST it to its push service.

    Raises PushPayloadTooLargeError, InvalidSubscriptionError or InvalidPushRequestError
    before sending anything; every answer or network failure is a PushResult.
    """
    if len(payload) > PAYLOAD_LIMIT_BYTES:
        raise PushPayloadTooLargeError(len(payload))
    audience = _check_request(subscription, ttl, urgency, topic)
    headers = {"Authorization": _authorization(vapid, audience), "Urgency": urgency}
    if topic is not None:
        headers["Topic"] = topic
    try:
        pusher = WebPusher(subscription, aiohttp_session=session)
        response = await pusher.send_async(
            payload,
            headers,
            ttl=ttl,
            content_encoding="aes128gcm",
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        )
        body = await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return PushResult("retry", detail=f"network error: {exc!r}")
    except (WebPushException, ValueError, binascii.Error) as exc:
        # Raised while decoding the subscription's keys or encrypting to them.
        raise InvalidSubscriptionError(f"cannot encrypt to this subscription: {exc}") from exc
    return _result(
        response.status, response.headers.get("Retry-After"), body, subscription["endpoint"]
    )
