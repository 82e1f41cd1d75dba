"""Which kiosk a request comes from, and for which citizen an operator is acting.

Used by the auth layer on every request of an operator session: an operator acts for a citizen
only from the registered kiosk that holds the assisted session, only after consent, and only
until 3 minutes without activity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from backend.kiosk.tables import AssistedSession, Kiosk

__all__ = ["ASSISTED_IDLE", "KIOSK_COOKIE", "Assisting", "KioskContext", "kiosk_context"]

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


async def end_assisted(assisted_id: int, reason: str) -> bool:
    """End an assisted session once; True if this call ended it."""
    ended = (
        await AssistedSession.update(
            {
                AssistedSession.ended_at: dt.datetime.now(dt.UTC),
                AssistedSession.end_reason: reason,
            }
        )
        .where((AssistedSession.id == assisted_id) & AssistedSession.ended_at.is_null())
        .returning(AssistedSession.id)
    )
    return bool(ended)


async def kiosk_context(session_id: int, device_token: str | None) -> KioskContext:
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
        await end_assisted(int(row["id"]), "timeout")
        return KioskContext(kiosk_id=kiosk_id, assisting=None)
    if now - row["last_activity_at"] > TOUCH_EVERY:
        await AssistedSession.update({AssistedSession.last_activity_at: now}).where(
            AssistedSession.id == row["id"]
        )
    return KioskContext(kiosk_id=kiosk_id, assisting=Assisting(int(row["id"]), int(row["citizen"])))
