"""Who holds an ID number. A self-asserted account holds no claim on the number it typed:
a person verified by a digital ID or in person takes the number, and the self-asserted
account is frozen (it cannot act; the domains holding its work hear `IdentityDisputed`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.accounts import national_ids
from backend.accounts.events import AccountNotice, IdentityDisputed
from backend.accounts.services.security import end_sessions
from backend.accounts.tables import Account, Session
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = [
    "VERIFIED",
    "holder_of",
    "is_verified",
    "release_to_verified",
    "set_verified",
    "take_number",
]

VERIFIED = ("verified_in_person", "verified_digital_id")
FROZEN_IDENTITY = "identity_disputed"


def is_verified(assurance: str) -> bool:
    return assurance in VERIFIED


async def holder_of(national_id: str) -> dict[str, Any] | None:
    """The account holding `national_id`: its id, role, assurance and name."""
    row = (
        await Account.select(Account.id, Account.role, Account.assurance, Account.full_name)
        .where(national_ids.held_by(national_id))
        .first()
    )
    return dict(row) if row else None


async def release_to_verified(
    national_id: str, actor: Actor, *, how: str, new_account_id: int | None = None
) -> int | None:
    """Free `national_id` from the self-asserted account holding it, for a verified person
    (call inside the write transaction that gives it to them). That account is frozen: its
    sessions end, it cannot sign in, and IdentityDisputed tells the other domains (drafts
    discarded, submitted applications flagged to agencies). Returns its id, or None if no
    account held the number. A verified holder is the caller's business, not this one's."""
    holder = await holder_of(national_id)
    if holder is None:
        return None
    if is_verified(holder["assurance"]) or holder["role"] != "citizen":
        raise ValueError("a verified account's ID number is never released")
    frozen_id = int(holder["id"])
    at = dt.datetime.now(dt.UTC)
    await Account.update(
        {
            **national_ids.values(None),
            **national_ids.disputed_values(national_id),
            Account.frozen_reason: FROZEN_IDENTITY,
            Account.disabled_at: at,
        }
    ).where(Account.id == frozen_id)
    await end_sessions(actor, frozen_id, Session.id > 0)
    await record(
        "account.frozen",
        actor,
        subject_account_id=frozen_id,
        object_type="account",
        object_id=frozen_id,
        detail={"reason": FROZEN_IDENTITY, "how": how},
    )
    await publish(
        IdentityDisputed(actor=actor, frozen_account_id=frozen_id, claimed_by=new_account_id)
    )
    return frozen_id


async def take_number(
    national_id: str,
    account_id: int,
    actor: Actor,
    *,
    how: str,
    detail: dict[str, Any],
    where: str = "",
) -> int | None:
    """Give `national_id` to the verified `account_id` (made without it, in this
    transaction). A self-asserted account holding it is frozen first; the claim is then in
    the new holder's activity log (`detail` added) and they are told, `where` it happened.
    Returns the frozen account's id, or None if the number was free."""
    frozen = await release_to_verified(national_id, actor, how=how, new_account_id=account_id)
    await Account.update(national_ids.values(national_id)).where(Account.id == account_id)
    if frozen is not None:
        await record(
            "account.identity_claimed",
            actor,
            subject_account_id=account_id,
            object_type="account",
            object_id=frozen,
            detail={"frozen_account": frozen, **detail},
        )
        await publish(AccountNotice(account_id=account_id, what="identity_claimed", where=where))
    return frozen


async def set_verified(
    account_id: int, actor: Actor, *, assurance: str, provider: str, detail: dict[str, Any]
) -> None:
    """Raise the account to a verified level, recording by whom and when."""
    await Account.update(
        {
            Account.assurance: assurance,
            Account.assurance_provider: provider,
            Account.assured_at: dt.datetime.now(dt.UTC),
        }
    ).where(Account.id == account_id)
    await record(
        f"account.{assurance}",
        actor,
        subject_account_id=account_id,
        object_type="account",
        object_id=account_id,
        detail={"provider": provider, **detail},
    )
