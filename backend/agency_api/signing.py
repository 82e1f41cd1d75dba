"""How an agency signs a request, and how a webhook is signed: pure functions, no I/O.

A request carries four headers:

    X-Portal-Key:        ak_…          the credential's public key id
    X-Portal-Timestamp:  1767225600    Unix seconds; refused when more than 5 min off
    X-Portal-Nonce:      a random string (8 to 64 printable ASCII) per request
    X-Portal-Signature:  hex(HMAC-SHA256(secret, canonical))

where `canonical` is these six lines joined by "\\n" (no trailing newline):

    METHOD                      upper case: GET, POST …
    /agency-api/v1/path         the path as sent, percent-encoding untouched
    a=1&b=2                     the query's `name=value` pairs as sent, sorted as strings
    1767225600                  X-Portal-Timestamp
    nonce                       X-Portal-Nonce
    hex(SHA-256(body))          of the raw body bytes (of b"" when there is none)

The nonce makes two identical requests within one second (a feed polled twice) sign
differently, so a signature seen twice is always a replay.

A webhook carries `X-Portal-Event-Id`, `X-Portal-Timestamp` and
`X-Portal-Signature: v1=hex(HMAC-SHA256(webhook secret, timestamp + "." + body))`.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "AGENCY_AUTH_DESCRIPTION",
    "KEY_HEADER",
    "MAX_SKEW_S",
    "NONCE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_EVENT_HEADER",
    "canonical_query",
    "canonical_request",
    "sign",
    "sign_request",
    "sign_webhook",
    "signatures_match",
]

KEY_HEADER = "X-Portal-Key"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
NONCE_HEADER = "X-Portal-Nonce"
SIGNATURE_HEADER = "X-Portal-Signature"
WEBHOOK_EVENT_HEADER = "X-Portal-Event-Id"

MAX_SKEW_S = 300
"""A request's timestamp may be this far from the server's clock, either way (5 minutes)."""

AGENCY_AUTH_DESCRIPTION = """\
Every `/agency-api/v1` request carries `X-Portal-Key` (key id), `X-Portal-Timestamp` (Unix
seconds, within 5 minutes), `X-Portal-Nonce` (random, 8 to 64 characters) and
`X-Portal-Signature`: hex HMAC-SHA256 with the secret over the lines METHOD, path, sorted
query, timestamp, nonce and hex SHA-256 of the body, joined by newlines. See
docs/agency-integration.md."""


def canonical_query(raw_query: str) -> str:
    """The query string's `name=value` pairs exactly as sent (no decoding), sorted as
    strings, so the client and the server agree whatever library built the URL."""
    return "&".join(sorted(p for p in raw_query.split("&") if p))


def canonical_request(
    method: str, path: str, raw_query: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    return "\n".join(
        [
            method.upper(),
            path,
            canonical_query(raw_query),
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    ).encode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_request(
    secret: str, method: str, path: str, raw_query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return sign(secret, canonical_request(method, path, raw_query, timestamp, nonce, body))


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Portal-Signature value of a webhook delivery."""
    return "v1=" + sign(secret, timestamp.encode() + b"." + body)


def signatures_match(expected: str, sent: str) -> bool:
    """Constant-time comparison (a timing difference would leak the signature bytewise)."""
    return hmac.compare_digest(expected.encode(), sent.strip().lower().encode())
