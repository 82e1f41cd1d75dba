"""What every passkey ceremony shares: its session-bound challenge, the failure limits, the
audit of a refusal and the saving of a new passkey."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from backend.accounts import errors
from backend.accounts.national_ids import CEREMONY, seal_for_ceremony
from backend.accounts.tables import Challenge, Passkey
from backend.lib import idcrypt, webauthn
from backend.lib.errors import RateLimitedError
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

CHALLENGE_TTL = dt.timedelta(minutes=5)


RP_NAME = "Citizen Portal · พอร์ทัลประชาชน"


class Limits:
    """Rate limits (count per window); per IP and per account where both make sense."""

    ENROL_IP = Limit("enrol:ip", 20, 3600)
    ENROL_ID = Limit("enrol:id", 5, 3600)
    """Counted by the number's blind index (accounts.national_ids), never the number."""
    SIGNIN_IP = Limit("signin:ip", 60, 600)
    SIGNIN_ACCOUNT = Limit("signin:account", 20, 600)
    RECOVER_IP = Limit("recover:ip", 10, 3600)
    RECOVER_ACCOUNT = Limit("recover:account", 5, 3600)
    """A valid code starts ceremonies until one finishes: those are counted per citizen too
    (guesses of unknown codes meet the per-IP limit, and audit as `recovery.failed`)."""
    RECOVERY_ISSUE = Limit("recovery-issue:staff", 60, 3600)
    INVITE_IP = Limit("invite:ip", 10, 3600)
    DIGITAL_ID_IP = Limit("digital-id:ip", 30, 3600)


FAILED_ACTIONS = {
    "enrol": "enrol.failed",
    "signin": "signin.failed",
    "add": "passkey.add_failed",
    "recover": "recovery.failed",
    "staff": "invitation.failed",
}
"""The audit action of a failed ceremony, by challenge purpose (recovery and invitation codes
that do not work are recorded under the same actions)."""


class SignedIn(NamedTuple):
    """Who a finished ceremony signed in, and with which passkey (the session records it:
    revoking that passkey ends the session)."""

    account_id: int
    role: str
    passkey_id: int


@dataclass(frozen=True, slots=True)
class Ceremony:
    """The session a ceremony runs in, and who is acting."""

    session_id: int
    actor: Actor


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def check_limits(
    actor: Actor, limits: list[tuple[Limit, str]], *, subject_account_id: int | None = None
) -> None:
    """`check`, auditing the first refusal of each window as `ratelimit.refused` with the
    limit's name (never the counted key, which may be an ID number)."""
    try:
        await check(limits)
    except RateLimitedError as exc:
        if exc.first_refusal:
            await record(
                "ratelimit.refused",
                actor,
                subject_account_id=subject_account_id,
                detail={"limit": exc.limit},
            )
        raise


async def refuse_without_session(actor: Actor, purpose: str) -> errors.ChallengeMissingError:
    """A ceremony finished by a caller with no session at all: nothing was started here."""
    await record(FAILED_ACTIONS[purpose], actor, detail={"reason": "challenge_missing"})
    return errors.ChallengeMissingError()


async def store_challenge(
    ceremony: Ceremony,
    purpose: str,
    challenge: bytes,
    *,
    account_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await Challenge.insert(
        Challenge(
            session=ceremony.session_id,
            purpose=purpose,
            challenge=webauthn.b64url(challenge),
            account=account_id,
            # A national ID in it is sealed (lib.idcrypt), as everywhere at rest.
            data=json.dumps(seal_for_ceremony(data or {}), ensure_ascii=False),
            created_at=now(),
        )
    )


async def take_challenge(
    ceremony: Ceremony, purpose: str, ttl: dt.timedelta = CHALLENGE_TTL
) -> dict[str, Any]:
    """The session's latest challenge for `purpose`, consumed: it can never be used again.
    A missing, used or expired one is audited as the ceremony's failure."""
    try:
        return await _consume_challenge(ceremony, purpose, ttl)
    except (
        errors.ChallengeMissingError,
        errors.ChallengeUsedError,
        errors.ChallengeExpiredError,
    ) as exc:
        if purpose in FAILED_ACTIONS:  # other domains' ceremonies audit their own way
            await record(FAILED_ACTIONS[purpose], ceremony.actor, detail={"reason": exc.code})
        raise


async def peek_challenge(
    ceremony: Ceremony, purpose: str, ttl: dt.timedelta
) -> dict[str, Any] | None:
    """The session's latest unused, unexpired `purpose` record, left in place (None if none)."""
    row = (
        await Challenge.select()
        .where((Challenge.session == ceremony.session_id) & (Challenge.purpose == purpose))
        .order_by(Challenge.id, ascending=False)
        .first()
    )
    if row is None or row["used_at"] is not None or now() - row["created_at"] > ttl:
        return None
    row["data"] = idcrypt.open_json(json.loads(row["data"]), CEREMONY)
    return dict(row)


async def _consume_challenge(ceremony: Ceremony, purpose: str, ttl: dt.timedelta) -> dict[str, Any]:
    row = (
        await Challenge.select()
        .where((Challenge.session == ceremony.session_id) & (Challenge.purpose == purpose))
        .order_by(Challenge.id, ascending=False)
        .first()
    )
    if row is None:
        raise errors.ChallengeMissingError()
    if row["used_at"] is not None:
        raise errors.ChallengeUsedError()
    taken = (
        await Challenge.update({Challenge.used_at: now()})
        .where((Challenge.id == row["id"]) & Challenge.used_at.is_null())
        .returning(Challenge.id)
    )
    if not taken:  # a concurrent request took it first
        raise errors.ChallengeUsedError()
    if now() - row["created_at"] > ttl:
        raise errors.ChallengeExpiredError()
    row["challenge_bytes"] = webauthn.b64url_decode(row["challenge"])
    row["data"] = idcrypt.open_json(json.loads(row["data"]), CEREMONY)
    return row


def registration_failed(exc: webauthn.WebAuthnError) -> Exception:
    if isinstance(exc, webauthn.MalformedCredentialError):
        return errors.MalformedCredentialError()
    return errors.CeremonyRejectedError()


async def save_passkey(account_id: int, new: webauthn.NewCredential, name: str) -> int:
    credential_id = webauthn.b64url(new.credential_id)
    if await Passkey.exists().where(Passkey.credential_id == credential_id):
        raise errors.CeremonyRejectedError(
            "This passkey is already registered.",
            "พาสคีย์นี้ลงทะเบียนไว้แล้ว",
            code="passkey_exists",
        )
    passkey = Passkey(
        account=account_id,
        credential_id=credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        name=(name.strip() or ("Synced passkey" if new.multi_device else "This device"))[:60],
        aaguid=new.aaguid,
        multi_device=new.multi_device,
        backed_up=new.backed_up,
        transports=json.dumps(new.transports),
        created_at=now(),
    )
    await passkey.save()
    return int(passkey.id)
