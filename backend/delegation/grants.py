"""Authorisations as a request under one sees them: in force or not, and what they allow;
the lists a grantor and a delegate see. Read afresh on every request (delegation.context)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from backend.accounts.auth import Need
from backend.delegation.errors import DelegationNotFoundError
from backend.delegation.schemas import Acting, DelegationOut, Grantor
from backend.delegation.tables import Delegation

__all__ = ["POWERS", "Grant", "acting", "grant_for", "listing", "now", "one", "out", "today"]

BANGKOK = ZoneInfo("Asia/Bangkok")
POWERS: dict[str, frozenset[Need]] = {
    "follow": frozenset({"status"}),
    "apply": frozenset({"apply", "answer", "status"}),
    "documents": frozenset({"documents"}),
}
"""What each power opens, in the routes' own words (accounts.auth.Need): the same allow-list
an operator's consent at a kiosk goes through."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The date in Thailand: an authorisation "until 31 Dec" ends at midnight there."""
    return now().astimezone(BANGKOK).date()


@dataclass(frozen=True, slots=True)
class Grant:
    """An authorisation in force, as a request acting under it sees it."""

    id: int
    grantor: int
    delegate: int
    needs: frozenset[str]
    services: frozenset[str] | None


async def grant_for(delegation_id: int, session_account: int) -> Grant | bool | None:
    """For a request acting under `delegation_id`: the grant in force (Grant); False when it
    is the session holder's but no longer in force (ended, expired, an account closed); None
    when it is not theirs at all (someone else's cookie on a shared phone)."""
    row = (
        await Delegation.select(
            Delegation.id,
            Delegation.grantor,
            Delegation.delegate,
            Delegation.powers,
            Delegation.services,
            Delegation.valid_until,
            Delegation.ended_at,
            Delegation.grantor.disabled_at.as_alias("grantor_disabled"),
            Delegation.delegate.disabled_at.as_alias("delegate_disabled"),
        )
        .where(Delegation.id == delegation_id)
        .first()
    )
    if row is None or row["delegate"] != session_account:
        return None
    if (
        row["ended_at"] is not None
        or row["valid_until"] < today()
        or row["grantor_disabled"] is not None
        or row["delegate_disabled"] is not None
    ):
        return False
    services = json.loads(row["services"])
    needs: frozenset[str] = frozenset().union(*(POWERS[p] for p in json.loads(row["powers"])))
    return Grant(
        id=int(row["id"]),
        grantor=int(row["grantor"]),
        delegate=int(row["delegate"]),
        needs=needs,
        services=frozenset(services) if services else None,
    )


def _state(row: dict[str, Any]) -> str:
    if row["ended_at"] is not None:
        return "ended"
    if row["delegate"] is None:
        expired = row["invitation_expires_at"] is None or row["invitation_expires_at"] <= now()
        return "expired" if expired else "invited"
    return "expired" if row["valid_until"] < today() else "active"


def out(row: dict[str, Any]) -> DelegationOut:
    return DelegationOut(
        id=row["id"],
        state=_state(row),  # type: ignore[arg-type]
        grantor_name=row["grantor_name"] or "",
        delegate_name=row["delegate_name"] or "",
        powers=json.loads(row["powers"]),
        services=json.loads(row["services"]),
        valid_until=row["valid_until"],
        created_at=row["created_at"],
        accepted_at=row["accepted_at"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
        made_at_kiosk=row["kiosk_id"] is not None,
    )


def _select() -> Any:
    return Delegation.select(
        *Delegation.all_columns(),
        Delegation.grantor.full_name.as_alias("grantor_name"),
        Delegation.delegate.full_name.as_alias("delegate_name"),
    ).order_by(Delegation.id, ascending=False)


async def listing(account_id: int) -> tuple[list[DelegationOut], list[DelegationOut]]:
    """(given, received), newest first."""
    given = await _select().where(Delegation.grantor == account_id)
    received = await _select().where(Delegation.delegate == account_id)
    return [out(r) for r in given], [out(r) for r in received]


async def acting(delegation_id: int) -> Acting:
    """What a delegate's screens show while acting under `delegation_id` (in force)."""
    row = (
        await Delegation.select(
            Delegation.grantor.id.as_alias("id"),
            Delegation.grantor.full_name.as_alias("full_name"),
            Delegation.grantor.assurance.as_alias("assurance"),
            Delegation.grantor.language.as_alias("language"),
        )
        .where(Delegation.id == delegation_id)
        .first()
    )
    if row is None:
        raise DelegationNotFoundError()
    return Acting(acting=True, delegation=await one(delegation_id), grantor=Grantor(**row))


async def one(delegation_id: int) -> DelegationOut:
    row = await _select().where(Delegation.id == delegation_id).first()
    if row is None:
        raise DelegationNotFoundError()
    return out(row)
