"""Authorisations between citizens: made (an invitation online, or both people at a kiosk),
accepted, listed, used and ended. A delegate acts for the grantor only within the powers,
services and dates given, and only while both accounts are open; every check of that is
here, read afresh on every request (delegation.context)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from backend.accounts.auth import Need
from backend.accounts.events import AccountNotice
from backend.accounts.national_ids import held_by, normalise
from backend.accounts.services.identity import is_verified
from backend.accounts.tables import Account
from backend.catalog.tables import Service
from backend.delegation.errors import (
    DelegateNotFoundError,
    DelegationNotFoundError,
    InvitationInvalidError,
    NotYourOwnDelegateError,
    VerificationNeededError,
)
from backend.delegation.schemas import DelegationCreate, DelegationOut
from backend.delegation.tables import Delegation
from backend.kiosk.tables import AssistedSession
from backend.lib.db import write_transaction
from backend.lib.errors import ValidationFailedError
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = [
    "INVITATION_TTL",
    "POWERS",
    "Grant",
    "accept",
    "end",
    "end_all_of",
    "grant_for",
    "grant_in_person",
    "id_card_checked",
    "invite",
    "listing",
    "now",
    "one",
    "today",
]

BANGKOK = ZoneInfo("Asia/Bangkok")
INVITATION_TTL = dt.timedelta(days=7)
LONGEST = dt.timedelta(days=366)
"""At most a year (a leap year's day included)."""

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


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def _check_terms(terms: DelegationCreate, *accounts: int) -> None:
    """Dates within a year, services that exist, and both people verified as far as the
    services need (422 / 409)."""
    if not today() <= terms.valid_until <= today() + LONGEST:
        raise ValidationFailedError(
            fields={
                "valid_until": {
                    "en": "Choose a last day from today to at most one year ahead.",
                    "th": "เลือกวันสิ้นสุดตั้งแต่วันนี้ และไม่เกินหนึ่งปีข้างหน้า",
                }
            }
        )
    query = Service.select(Service.slug, Service.required_assurance)
    if terms.services:
        query = query.where(Service.slug.is_in(list(set(terms.services))))
    rows = await query
    if terms.services and len(rows) != len(set(terms.services)):
        raise ValidationFailedError(
            fields={"services": {"en": "Unknown service.", "th": "ไม่พบบริการที่เลือก"}}
        )
    if any(r["required_assurance"] != "self_asserted" for r in rows):
        found = await Account.select(Account.assurance).where(Account.id.is_in(list(accounts)))
        if len(found) != len(accounts) or not all(is_verified(a["assurance"]) for a in found):
            raise VerificationNeededError()


def _terms(terms: DelegationCreate) -> dict[Any, Any]:
    return {
        Delegation.powers: json.dumps(sorted(set(terms.powers))),
        Delegation.services: json.dumps(sorted(set(terms.services))),
        Delegation.valid_until: terms.valid_until,
    }


async def _name(account_id: int) -> str:
    row = await Account.select(Account.full_name).where(Account.id == account_id).first()
    return str(row["full_name"]) if row else ""


async def invite(actor: Actor, grantor: int, terms: DelegationCreate) -> tuple[int, str]:
    """A new authorisation waiting for its delegate; returns its id and the invitation code
    (shown once, kept only as a hash)."""
    await _check_terms(terms, grantor)
    code = secrets.token_urlsafe(18)
    async with write_transaction():
        [row] = await Delegation.insert(
            Delegation(
                {
                    Delegation.grantor: grantor,
                    Delegation.invitation_hash: _hash(code),
                    Delegation.invitation_expires_at: now() + INVITATION_TTL,
                    Delegation.created_at: now(),
                    **_terms(terms),
                }
            )
        )
        await record(
            "delegation.invited",
            actor,
            subject_account_id=grantor,
            object_type="delegation",
            object_id=row["id"],
            detail={"powers": terms.powers, "services": terms.services},
        )
    return int(row["id"]), code


async def accept(actor: Actor, delegate: int, code: str) -> int:
    """The delegate, signed in on their own phone, takes the invitation."""
    async with write_transaction():
        row = (
            await Delegation.select()
            .where(
                (Delegation.invitation_hash == _hash(code))
                & Delegation.delegate.is_null()
                & Delegation.ended_at.is_null()
                & (Delegation.invitation_expires_at > now())
            )
            .first()
        )
        if row is None:
            raise InvitationInvalidError()
        if row["grantor"] == delegate:
            raise NotYourOwnDelegateError()
        terms = DelegationCreate(
            powers=json.loads(row["powers"]),
            services=json.loads(row["services"]),
            valid_until=row["valid_until"],
        )
        await _check_terms(terms, row["grantor"], delegate)
        taken = (
            await Delegation.update(
                {
                    Delegation.delegate: delegate,
                    Delegation.accepted_at: now(),
                    Delegation.invitation_hash: None,
                }
            )
            .where((Delegation.id == row["id"]) & Delegation.delegate.is_null())
            .returning(Delegation.id)
        )
        if not taken:  # accepted by someone else a moment ago
            raise InvitationInvalidError()
        await _made(actor, row["id"], row["grantor"], delegate, where="")
    return int(row["id"])


async def _made(actor: Actor, delegation_id: int, grantor: int, delegate: int, where: str) -> None:
    """Both people's activity logs hold it, and both are told."""
    for subject in (grantor, delegate):
        await record(
            "delegation.made",
            actor,
            subject_account_id=subject,
            object_type="delegation",
            object_id=delegation_id,
            detail={"grantor": grantor, "delegate": delegate},
        )
    await publish(
        AccountNotice(
            account_id=grantor, what="delegation_made", where=where, who=await _name(delegate)
        )
    )
    await publish(
        AccountNotice(
            account_id=delegate, what="delegation_received", where=where, who=await _name(grantor)
        )
    )


async def grant_in_person(
    actor: Actor, grantor: int, delegate_national_id: str, terms: DelegationCreate, where: str
) -> int:
    """At a kiosk: the grantor (whose ID card the session checked, and who consented there)
    and the delegate (ID card seen by the operator) both in front of the operator."""
    found = await Account.select(Account.id).where(
        held_by(normalise(delegate_national_id))
        & (Account.role == "citizen")
        & Account.disabled_at.is_null()
    )
    if not found:
        raise DelegateNotFoundError()
    delegate = int(found[0]["id"])
    if delegate == grantor:
        raise NotYourOwnDelegateError()
    await _check_terms(terms, grantor, delegate)
    async with write_transaction():
        [row] = await Delegation.insert(
            Delegation(
                {
                    Delegation.grantor: grantor,
                    Delegation.delegate: delegate,
                    Delegation.created_at: now(),
                    Delegation.accepted_at: now(),
                    Delegation.kiosk_id: actor.kiosk_id,
                    Delegation.operator_id: actor.account_id,
                    **_terms(terms),
                }
            )
        )
        await _made(actor, row["id"], grantor, delegate, where=where)
    return int(row["id"])


async def end(actor: Actor, account_id: int, delegation_id: int) -> None:
    """The grantor revokes it (or withdraws an invitation), or the delegate declines it: at
    once, for every session acting under it."""
    async with write_transaction():
        ended = (
            await Delegation.update(
                {
                    Delegation.ended_at: now(),
                    Delegation.ended_by: account_id,
                    Delegation.invitation_hash: None,
                    Delegation.end_reason: "revoked",
                }
            )
            .where(
                (Delegation.id == delegation_id)
                & ((Delegation.grantor == account_id) | (Delegation.delegate == account_id))
                & Delegation.ended_at.is_null()
            )
            .returning(Delegation.grantor, Delegation.delegate)
        )
        if not ended:
            raise DelegationNotFoundError()
        grantor, delegate = ended[0]["grantor"], ended[0]["delegate"]
        if account_id == delegate:
            await Delegation.update({Delegation.end_reason: "declined"}).where(
                Delegation.id == delegation_id
            )
        for subject in (grantor, delegate):
            if subject is None:
                continue
            await record(
                "delegation.ended",
                actor,
                subject_account_id=subject,
                object_type="delegation",
                object_id=delegation_id,
            )
            if subject != account_id:
                await publish(
                    AccountNotice(
                        account_id=subject, what="delegation_ended", who=await _name(account_id)
                    )
                )


async def end_all_of(account_id: int, reason: str) -> int:
    """Every authorisation given or received by an account being frozen or erased (inside
    that change's transaction). Returns how many ended."""
    ended = (
        await Delegation.update(
            {
                Delegation.ended_at: now(),
                Delegation.end_reason: reason,
                Delegation.invitation_hash: None,
            }
        )
        .where(
            ((Delegation.grantor == account_id) | (Delegation.delegate == account_id))
            & Delegation.ended_at.is_null()
        )
        .returning(Delegation.id)
    )
    return len(ended)


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


async def one(delegation_id: int) -> DelegationOut:
    row = await _select().where(Delegation.id == delegation_id).first()
    if row is None:
        raise DelegationNotFoundError()
    return out(row)


async def id_card_checked(assisted_id: int) -> bool:
    """Whether the operator checked the grantor's ID card in this assisted session."""
    row = (
        await AssistedSession.select(AssistedSession.id_card_checked)
        .where(AssistedSession.id == assisted_id)
        .first()
    )
    return bool(row and row["id_card_checked"])
