"""Which kiosk a request comes from, and for which citizen an operator is acting.

Used by the auth layer on every request of an operator session: an operator acts for a citizen
only from the registered kiosk that holds the assisted session, only after consent, and only
until 3 minutes without activity. Every request from a kiosk's browser is watched here too:
nothing is left in its HTTP cache, and an operator's reads of the citizen's data are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import Scope
from piccolo.custom_types import Combinable

from backend.accounts.auth import Auth
from backend.accounts.events import AccountNotice
from backend.kiosk.tables import AssistedSession, Kiosk
from backend.lib.db import write_transaction
from backend.lib.middleware import after_response, no_store, on_response_start
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = [
    "ASSISTED_IDLE",
    "KIOSK_COOKIE",
    "Assisting",
    "KioskContext",
    "KioskRequests",
    "end_assisted",
    "kiosk_context",
    "watch_kiosk_request",
]

KIOSK_COOKIE = "portal_kiosk"
"""The kiosk's device credential: a random token whose SHA-256 is `Kiosk.device_token_hash`."""

ASSISTED_IDLE = dt.timedelta(minutes=3)
"""An assisted session ends after this long without a request (the citizen walked away)."""

TOUCH_EVERY = dt.timedelta(seconds=10)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Assisting:
    assisted_id: int
    citizen_id: int
    consent: frozenset[str]
    """What the citizen allowed (accounts.auth.CONSENTABLE needs)."""


@dataclass(frozen=True, slots=True)
class KioskContext:
    kiosk_id: int | None
    assisting: Assisting | None


async def kiosk_id_for_token(token: str | None) -> int | None:
    """The active kiosk whose device token this is."""
    if not token:
        return None
    row = (
        await Kiosk.select(Kiosk.id)
        .where((Kiosk.device_token_hash == token_hash(token)) & Kiosk.revoked_at.is_null())
        .first()
    )
    return int(row["id"]) if row else None


async def office(kiosk_id: int) -> str:
    """Where a kiosk is, as the citizen is told ("ที่ว่าการอำเภอบ้านไผ่, ขอนแก่น")."""
    row = await Kiosk.select(Kiosk.name, Kiosk.province).where(Kiosk.id == kiosk_id).first()
    return f"{row['name']}, {row['province']}" if row else ""


async def end_assisted(which: Combinable, reason: str, *, ip: str = "") -> int:
    """End the open assisted sessions matching `which` (finished, timeout, replaced,
    kiosk_revoked), each once, and tell each citizen in their activity log: "operator X at
    kiosk K ended the visit", whoever or whatever ended it. Returns how many ended."""
    async with write_transaction():
        ended = (
            await AssistedSession.update(
                {
                    AssistedSession.ended_at: dt.datetime.now(dt.UTC),
                    AssistedSession.end_reason: reason,
                }
            )
            .where(which & AssistedSession.ended_at.is_null())
            .returning(
                AssistedSession.id,
                AssistedSession.kiosk,
                AssistedSession.operator,
                AssistedSession.citizen,
            )
        )
        for row in ended:
            await publish(
                AccountNotice(
                    account_id=row["citizen"],
                    what="assisted_ended",
                    where=await office(row["kiosk"]),
                )
            )
            await record(
                "assisted.ended",
                Actor(account_id=row["operator"], role="operator", ip=ip, kiosk_id=row["kiosk"]),
                subject_account_id=row["citizen"],
                object_type="assisted_session",
                object_id=row["id"],
                detail={"reason": reason},
            )
    return len(ended)


async def kiosk_context(session_id: int, device_token: str | None, ip: str = "") -> KioskContext:
    """For an operator's session: the kiosk it is at (if any) and the citizen it acts for."""
    kiosk_id = await kiosk_id_for_token(device_token)
    if kiosk_id is None:
        return KioskContext(kiosk_id=None, assisting=None)
    row = (
        await AssistedSession.select(
            AssistedSession.id,
            AssistedSession.kiosk,
            AssistedSession.citizen,
            AssistedSession.consent_at,
            AssistedSession.consent_scope,
            AssistedSession.last_activity_at,
        )
        .where(
            (AssistedSession.operator_session == session_id) & AssistedSession.ended_at.is_null()
        )
        .order_by(AssistedSession.id, ascending=False)
        .first()
    )
    if row is None or row["kiosk"] != kiosk_id or row["consent_at"] is None:
        return KioskContext(kiosk_id=kiosk_id, assisting=None)
    now = dt.datetime.now(dt.UTC)
    if now - row["last_activity_at"] > ASSISTED_IDLE:
        await end_assisted(AssistedSession.id == row["id"], "timeout", ip=ip)
        return KioskContext(kiosk_id=kiosk_id, assisting=None)
    if now - row["last_activity_at"] > TOUCH_EVERY:
        await AssistedSession.update({AssistedSession.last_activity_at: now}).where(
            AssistedSession.id == row["id"]
        )
    consent = frozenset(json.loads(row["consent_scope"] or "[]"))
    assisting = Assisting(int(row["id"]), int(row["citizen"]), consent)
    return KioskContext(kiosk_id=kiosk_id, assisting=assisting)


# --- Requests from a kiosk's browser ---------------------------------------------------------

_NOT_THE_CITIZENS = ("kiosk", "session")
"""Reads an operator makes for themselves while serving (the visit's own state, their session
pings): not the citizen's data."""


def _viewed(path: str) -> tuple[str, str] | None:
    """What kind of the citizen's data a read is about, and which one: ("applications",
    "12") for /api/v1/applications/12, ("documents/content", "5"), ("dashboard", ""); None for
    the operator's own reads. Only the path's shape, never a query or an answer."""
    parts = path.removeprefix("/api/v1/").strip("/").split("/")
    kind = "/".join(p for p in parts if not p.isdigit())[:40]
    object_id = next((p for p in parts if p.isdigit()), "")[:64]
    if not kind or kind.startswith(_NOT_THE_CITIZENS):
        return None
    return kind, object_id


def watch_kiosk_request(scope: Scope, reader: Actor | None, citizen_id: int | None) -> None:
    """A signed-in request from a kiosk's browser: whatever the route says, the answer is
    `no-store` (a shared device keeps nothing personal, not even in its HTTP cache). When an
    operator (`reader`) acting for `citizen_id` reads the citizen's data, one `assisted.viewed`
    entry says what kind, once the answer went out successfully."""
    seen = _viewed(scope["path"]) if reader and citizen_id is not None else None
    status = 0  # until the response starts

    def at_start(code: int, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        nonlocal status
        status = code
        return no_store(code, headers)

    on_response_start(scope, at_start)
    if seen is None or reader is None:
        return
    kind, object_id = seen

    async def audit() -> None:
        if 200 <= status < 400:  # not refused, not found
            await record(
                "assisted.viewed",
                reader,
                subject_account_id=citizen_id,
                object_type=kind,
                object_id=object_id,
            )

    after_response(scope, audit)


_READS = {"GET", "HEAD"}


class KioskRequests:
    """The kiosk's part of every request from a kiosk's browser (accounts.REQUEST_CONTEXTS):
    an operator's session there acts for the citizen of the open assisted session, and the
    request is watched (no-store; the operator's reads of the citizen's data audited)."""

    cookie = KIOSK_COOKIE

    async def resolve(self, auth: Auth, connection: ASGIConnection[Any, Any, Any, Any]) -> Auth:
        if auth.session.role == "operator":
            context = await kiosk_context(
                auth.session.id, connection.cookies.get(KIOSK_COOKIE), ip=auth.ip
            )
            assisting = context.assisting
            auth = replace(
                auth,
                kiosk_id=context.kiosk_id,
                acting_for=assisting.citizen_id if assisting else None,
                assisted_id=assisting.assisted_id if assisting else None,
                consent=assisting.consent if assisting else frozenset(),
            )
        acting = auth.acting_for is not None and connection.scope.get("method") in _READS
        watch_kiosk_request(connection.scope, auth.actor() if acting else None, auth.acting_for)
        return auth
