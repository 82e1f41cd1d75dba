"""Every `/agency-api/v1` request is signed (see signing.py); this guard checks it.

Checks, in order, each refused with 401 and its own code so an agency engineer knows what to
fix: the four headers are there (`signature_missing`), the timestamp is within ±5 minutes
(`timestamp_skew`), the key exists (`unknown_key`) and is not revoked (`key_revoked`), the
HMAC matches (`bad_signature`), and the signature was not accepted before
(`signature_replayed`). Then the credential's rate limit applies (429). Handlers receive the
caller as the `caller` dependency.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from piccolo.querystring import QueryString

from backend.agency_api.keys import secret_box
from backend.agency_api.signing import (
    KEY_HEADER,
    MAX_SKEW_S,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_request,
    signatures_match,
)
from backend.lib.db import current_engine, is_postgres, write_transaction
from backend.lib.errors import NotAuthenticatedError, RateLimitedError
from backend.lib.statements import Statement, fetch
from backend.settings import Settings
from backend.system.audit import Actor
from backend.system.ratelimit import HIT, Limit, check, hit_args, judge

__all__ = [
    "AgencyCaller",
    "Limits",
    "SignatureRefusedError",
    "every_refusal",
    "provide_caller",
    "signed_by_agency",
]

_STATE_KEY = "agency_caller"
MAX_NONCE = 64


class Limits:
    REQUESTS = Limit("agency_api", 1200, 60)
    """Per credential: 20 requests a second on average, far above a polling system's need."""


@dataclass(frozen=True, slots=True)
class AgencyCaller:
    """The agency system behind a verified request."""

    agency_id: int
    agency_code: str
    credential_id: int
    key_id: str
    ip: str = ""

    def actor(self) -> Actor:
        return Actor(account_id=None, role="agency_api", ip=self.ip)


class SignatureRefusedError(NotAuthenticatedError):
    code = "bad_signature"
    message_en = "The request signature is not valid."
    message_th = "ลายมือชื่อของคำขอไม่ถูกต้อง"


_REFUSALS = {
    "signature_missing": (
        f"Sign the request: send {KEY_HEADER}, {TIMESTAMP_HEADER}, {NONCE_HEADER} (8–64 "
        f"printable characters) and {SIGNATURE_HEADER}.",
        "คำขอต้องมีลายมือชื่อ: ส่งส่วนหัว X-Portal-Key, X-Portal-Timestamp, X-Portal-Nonce และ "
        "X-Portal-Signature",
    ),
    "timestamp_skew": (
        f"{TIMESTAMP_HEADER} must be Unix seconds within {MAX_SKEW_S // 60} minutes of the "
        "server's clock.",
        "เวลาในคำขอต้องห่างจากเวลาของเซิร์ฟเวอร์ไม่เกิน 5 นาที",
    ),
    "unknown_key": ("No credential has this key id.", "ไม่พบกุญแจ API นี้"),
    "key_revoked": ("This key has been revoked.", "กุญแจ API นี้ถูกเพิกถอนแล้ว"),
    "bad_signature": (
        "The signature does not match the request (see the canonical string in the docs).",
        "ลายมือชื่อไม่ตรงกับคำขอ",
    ),
    "signature_replayed": (
        "This signature was already used: sign every request afresh with a new nonce.",
        "ลายมือชื่อนี้ถูกใช้แล้ว กรุณาลงลายมือชื่อใหม่ทุกคำขอ",
    ),
}


def _refuse(code: str) -> SignatureRefusedError:
    en, th = _REFUSALS[code]
    return SignatureRefusedError(en, th, code=code)


def every_refusal() -> list[SignatureRefusedError]:
    """Each way a signature is refused, in the order checked (for the API's documentation)."""
    return [_refuse(code) for code in _REFUSALS]


_CREDENTIAL = Statement(
    "SELECT c.id, c.agency, a.code AS agency_code, c.secret_encrypted, c.revoked_at "
    "FROM agency_credential c JOIN agency a ON a.id = c.agency WHERE c.key_id = {}"
)
"""Plain SQL: on every agency request, Piccolo's building of the joined select cost more CPU
than running it."""

_REMEMBER = (
    "INSERT INTO agency_seen_signature (signature, seen_at) VALUES ({}, {}) "
    "ON CONFLICT (signature) DO NOTHING RETURNING id"
)


async def _first_use(signature: str, now: dt.datetime) -> bool:
    """Record the signature; False when it was recorded before (a replay). One atomic
    statement, so of two concurrent copies exactly one wins, in any app process."""
    rows = await current_engine().run_querystring(QueryString(_REMEMBER, signature, now))
    return bool(rows)  # old ones are deleted by housekeeping (backend/system/housekeeping.py)


@dataclass(frozen=True, slots=True)
class _Credential:
    """A credential's row, with its secret opened."""

    id: int
    agency: int
    agency_code: str
    sealed: str
    secret: str


_KNOWN: dict[str, _Credential] = {}
"""PostgreSQL: the credentials this process has read, by key id. A request signed with one
still reads the row's revocation and sealed secret, in the statement that counts it
(`_COUNTED`), so a revocation or a new secret counts at once in every process; what it
saves is a round trip and opening the secret on every agency request."""
_KNOWN_MAX = 4096


def _revoked(row: Any, now: dt.datetime) -> bool:
    return row["revoked_at"] is not None and bool(row["revoked_at"] <= now)


async def _credential(settings: Settings, key_id: str, now: dt.datetime) -> _Credential:
    rows = await fetch(_CREDENTIAL, key_id)
    row = rows[0] if rows else None
    if row is None:
        raise _refuse("unknown_key")
    if _revoked(row, now):
        raise _refuse("key_revoked")
    secret = secret_box(settings).open(row["secret_encrypted"], bound_to=key_id)
    credential = _Credential(
        row["id"], row["agency"], row["agency_code"], row["secret_encrypted"], secret
    )
    if is_postgres():
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[key_id] = credential
    return credential


# Constants of this module and ratelimit's; the values are parameters.
_COUNTED = Statement(
    f"WITH r AS ({HIT}), s AS ({_REMEMBER}), c AS (SELECT revoked_at, secret_encrypted FROM "  # noqa: S608
    "agency_credential WHERE id = {}) SELECT r.hits, r.window_start, s.id, c.revoked_at, "
    "c.secret_encrypted FROM r LEFT JOIN s ON TRUE LEFT JOIN c ON TRUE"
)
_FORGET = "DELETE FROM agency_seen_signature WHERE signature = {}"


class _Stale(Exception):
    """The credential changed since this process read it (a new secret, or deleted)."""


async def _counted_first_use(
    credential: _Credential, key_id: str, signature: str, now: dt.datetime
) -> bool:
    """The request counted against its key's rate limit (429 past it), then `_first_use`.

    On PostgreSQL both are one statement, no transaction around it, which reads the
    credential's row again (revoked meanwhile: 401; another secret: `_Stale`); a refused
    request's signature is forgotten again, as if it had not been recorded, so the same
    request may be sent once the window ends. On SQLite, IMMEDIATE: an autocommit upsert could
    fail at once with SQLITE_BUSY_SNAPSHOT when another writer commits between its read and
    its write; this waits its turn."""
    if not is_postgres():
        async with write_transaction():
            await check([(Limits.REQUESTS, key_id)])
            return await _first_use(signature, now)
    moment = int(time.time())
    [row] = await fetch(
        _COUNTED, *hit_args(Limits.REQUESTS, key_id, moment), signature, now, credential.id
    )
    try:
        if row["secret_encrypted"] != credential.sealed:
            _KNOWN.pop(key_id, None)
            raise _Stale()
        if _revoked(row, now):
            _KNOWN.pop(key_id, None)
            raise _refuse("key_revoked")
        judge(Limits.REQUESTS, row, moment)
    except (RateLimitedError, _Stale, SignatureRefusedError):
        if row["id"] is not None:
            await current_engine().run_querystring(QueryString(_FORGET, signature))
        raise
    return row["id"] is not None


def _header(connection: ASGIConnection[Any, Any, Any, Any], name: str) -> str:
    return connection.headers.get(name, "").strip()


async def _verify(connection: ASGIConnection[Any, Any, Any, Any]) -> AgencyCaller:
    key_id = _header(connection, KEY_HEADER)
    timestamp = _header(connection, TIMESTAMP_HEADER)
    nonce = _header(connection, NONCE_HEADER)
    signature = _header(connection, SIGNATURE_HEADER)
    if not (key_id and timestamp and signature and 8 <= len(nonce) <= MAX_NONCE):
        raise _refuse("signature_missing")
    if not (nonce.isascii() and nonce.isprintable()):
        raise _refuse("signature_missing")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise _refuse("timestamp_skew")
    if abs(time.time() - int(timestamp)) > MAX_SKEW_S:
        raise _refuse("timestamp_skew")
    now = dt.datetime.now(dt.UTC)
    settings: Settings = connection.app.state.settings
    key_id = key_id[:40]
    known = _KNOWN.get(key_id)
    credential = known or await _credential(settings, key_id, now)
    # The body is read once here and cached on the connection: the handler's `data` reuses it.
    request = Request[Any, Any, Any](connection.scope, connection.receive)
    body = await request.body()
    # The path as sent (percent-encoding untouched). Some ASGI test transports put the query
    # in raw_path too; a literal "?" cannot be part of a path, so cut there.
    raw_path = (connection.scope.get("raw_path") or connection.scope["path"].encode()).split(
        b"?", 1
    )[0]
    while True:
        expected = sign_request(
            credential.secret,
            request.method,
            raw_path.decode("latin-1"),
            connection.scope.get("query_string", b"").decode("latin-1"),
            timestamp,
            nonce,
            body,
        )
        try:
            if not signatures_match(expected, signature):
                raise _Stale() if known else _refuse("bad_signature")
            if not await _counted_first_use(credential, key_id, expected, now):
                raise _refuse("signature_replayed")
        except _Stale:
            if not known:  # read just now and changed already: judge it by the new row
                raise _refuse("bad_signature") from None
            # This process's copy may be old (a new secret): once more with the row as it is.
            known = None
            _KNOWN.pop(key_id, None)
            credential = await _credential(settings, key_id, now)
            continue
        break
    return AgencyCaller(
        agency_id=credential.agency,
        agency_code=credential.agency_code,
        credential_id=credential.id,
        key_id=key_id,
        ip=connection.client.host if connection.client else "",
    )


async def signed_by_agency(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for every agency API route."""
    connection.scope.setdefault("state", {})[_STATE_KEY] = await _verify(connection)


async def provide_caller(request: Request[Any, Any, Any]) -> AgencyCaller:
    """Dependency `caller`: the agency the guard verified."""
    caller: AgencyCaller = request.scope["state"][_STATE_KEY]
    return caller
