"""Keeping an account to its holder: the sessions signed in to it, ended with the passkey that
signed them in, or all at once after a recovery ("end everything else")."""

from __future__ import annotations

from piccolo.custom_types import Combinable

from backend.accounts.events import SignedOut
from backend.accounts.schemas import Secured, SessionEntry
from backend.accounts.services.ceremonies import now
from backend.accounts.tables import Passkey, Session
from backend.lib.db import transaction
from backend.system.audit import Actor, record
from backend.system.hotcache import announce, forget_here
from backend.system.registry import publish

__all__ = ["end_sessions", "list_sessions", "secure_account"]


async def end_sessions(actor: Actor, account_id: int, which: Combinable) -> int:
    """End the account's live sessions matching `which`, inside the caller's transaction:
    each device stops getting the account's notifications (SignedOut) and every process
    forgets what it remembered of them. Returns how many ended."""
    ended = (
        await Session.update({Session.revoked_at: now()})
        .where((Session.account == account_id) & Session.revoked_at.is_null() & which)
        .returning(Session.id)
    )
    for row in ended:
        await publish(SignedOut(actor=actor, account_id=account_id, session_id=row["id"]))
    if ended:
        await announce(account_id)
    return len(ended)


async def list_sessions(account_id: int, current_session_id: int) -> list[SessionEntry]:
    rows = (
        await Session.select(
            Session.id,
            Session.created_at,
            Session.last_seen_at,
            Session.user_agent,
            Session.expires_at,
            Session.passkey.name.as_alias("passkey_name"),
        )
        .where(
            (Session.account == account_id)
            & Session.revoked_at.is_null()
            & (Session.expires_at > now())
        )
        .order_by(Session.last_seen_at, ascending=False)
    )
    return [
        SessionEntry(
            id=r["id"],
            created_at=r["created_at"],
            last_seen_at=r["last_seen_at"],
            user_agent=r["user_agent"],
            passkey=r["passkey_name"] or "",
            current=r["id"] == current_session_id,
        )
        for r in rows
    ]


async def secure_account(actor: Actor, account_id: int, session_id: int) -> Secured:
    """After a lost phone or a recovery: end every other session and revoke every passkey
    but the one this session signed in with, in one step."""
    async with transaction():
        mine = await Session.select(Session.passkey).where(Session.id == session_id).first()
        keep = mine["passkey"] if mine else None
        others = Passkey.revoked_at.is_null() & (Passkey.account == account_id)
        if keep is not None:
            others &= Passkey.id != keep
        revoked = (
            await Passkey.update({Passkey.revoked_at: now()}).where(others).returning(Passkey.id)
            if keep is not None  # never the account's last way in
            else []
        )
        ended = await end_sessions(actor, account_id, Session.id != session_id)
        await record(
            "account.secured",
            actor,
            subject_account_id=account_id,
            object_type="account",
            object_id=account_id,
            detail={"sessions_ended": ended, "passkeys_revoked": [r["id"] for r in revoked]},
        )
    forget_here(account_id)
    return Secured(sessions_ended=ended, passkeys_revoked=len(revoked))
