"""Passkey ceremonies, passkey management, recovery codes and staff invitations.

Every ceremony has two steps: `*_options` stores a challenge bound to the caller's session and
returns browser options; the second step takes that challenge exactly once, verifies the
browser's answer with backend.lib.webauthn, and writes the result and its audit entry in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from backend.accounts import errors
from backend.accounts.schemas import Profile
from backend.accounts.tables import Account, Challenge, OneTimeCode, Passkey
from backend.catalog.tables import Agency
from backend.lib import webauthn
from backend.lib.db import transaction
from backend.lib.errors import ClientError, NotFoundError, RateLimitedError, ValidationFailedError
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

__all__ = [
    "CHALLENGE_TTL",
    "CODE_ALPHABET",
    "RECOVERY_TTL",
    "Ceremony",
    "Limits",
    "begin_add_passkey",
    "begin_enrol",
    "begin_invitation",
    "begin_recovery",
    "begin_signin",
    "finish_add_passkey",
    "finish_enrol",
    "finish_invitation",
    "finish_recovery",
    "finish_signin",
    "issue_invitation",
    "issue_recovery_code",
    "list_passkeys",
    "profile",
    "refuse_without_session",
    "rename_passkey",
    "revoke_passkey",
    "store_challenge",
    "update_profile",
    "verify_for_account",
]

CHALLENGE_TTL = dt.timedelta(minutes=5)
RECOVERY_TTL = dt.timedelta(minutes=15)
INVITATION_TTL = dt.timedelta(hours=72)
RP_NAME = "Citizen Portal · พอร์ทัลประชาชน"

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read aloud or typed from paper must not be ambiguous."""


class Limits:
    """Rate limits (count per window); per IP and per account where both make sense."""

    ENROL_IP = Limit("enrol:ip", 20, 3600)
    ENROL_ID = Limit("enrol:id", 5, 3600)
    SIGNIN_IP = Limit("signin:ip", 60, 600)
    SIGNIN_ACCOUNT = Limit("signin:account", 20, 600)
    RECOVER_IP = Limit("recover:ip", 10, 3600)
    RECOVER_ACCOUNT = Limit("recover:account", 5, 3600)
    """A valid code starts ceremonies until one finishes: those are counted per citizen too
    (guesses of unknown codes meet the per-IP limit, and audit as `recovery.failed`)."""
    RECOVERY_ISSUE = Limit("recovery-issue:staff", 60, 3600)
    INVITE_IP = Limit("invite:ip", 10, 3600)


_FAILED_ACTIONS = {
    "enrol": "enrol.failed",
    "signin": "signin.failed",
    "add": "passkey.add_failed",
    "recover": "recovery.failed",
    "staff": "invitation.failed",
}
"""The audit action of a failed ceremony, by challenge purpose (recovery and invitation codes
that do not work are recorded under the same actions)."""


@dataclass(frozen=True, slots=True)
class Ceremony:
    """The session a ceremony runs in, and who is acting."""

    session_id: int
    actor: Actor


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _check(
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
    await record(_FAILED_ACTIONS[purpose], actor, detail={"reason": "challenge_missing"})
    return errors.ChallengeMissingError()


def _code_hash(code: str) -> str:
    normalized = code.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalized.encode()).hexdigest()


def _new_code(length: int) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


async def _store_challenge(
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
            data=json.dumps(data or {}, ensure_ascii=False),
            created_at=_now(),
        )
    )


async def _take_challenge(ceremony: Ceremony, purpose: str) -> dict[str, Any]:
    """The session's latest challenge for `purpose`, consumed: it can never be used again.
    A missing, used or expired one is audited as the ceremony's failure."""
    try:
        return await _consume_challenge(ceremony, purpose)
    except (
        errors.ChallengeMissingError,
        errors.ChallengeUsedError,
        errors.ChallengeExpiredError,
    ) as exc:
        if purpose in _FAILED_ACTIONS:  # other domains' ceremonies audit their own way
            await record(_FAILED_ACTIONS[purpose], ceremony.actor, detail={"reason": exc.code})
        raise


async def _consume_challenge(ceremony: Ceremony, purpose: str) -> dict[str, Any]:
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
        await Challenge.update({Challenge.used_at: _now()})
        .where((Challenge.id == row["id"]) & Challenge.used_at.is_null())
        .returning(Challenge.id)
    )
    if not taken:  # a concurrent request took it first
        raise errors.ChallengeUsedError()
    if _now() - row["created_at"] > CHALLENGE_TTL:
        raise errors.ChallengeExpiredError()
    row["challenge_bytes"] = webauthn.b64url_decode(row["challenge"])
    row["data"] = json.loads(row["data"])
    return row


def _registration_failed(exc: webauthn.WebAuthnError) -> Exception:
    if isinstance(exc, webauthn.MalformedCredentialError):
        return errors.MalformedCredentialError()
    return errors.CeremonyRejectedError()


async def _save_passkey(account_id: int, new: webauthn.NewCredential, name: str) -> int:
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
        created_at=_now(),
    )
    await passkey.save()
    return int(passkey.id)


def _validate_person(national_id: str, full_name: str, phone: str) -> None:
    fields: dict[str, dict[str, str]] = {}
    if not is_valid_thai_id(national_id):
        fields["national_id"] = {
            "en": "Enter the 13-digit ID number exactly as on your card.",
            "th": "กรอกเลขประจำตัวประชาชน 13 หลักให้ตรงกับบัตร",
        }
    if not 2 <= len(full_name.strip()) <= 120:
        fields["full_name"] = {"en": "Enter your full name.", "th": "กรอกชื่อ-นามสกุล"}
    if phone and not (phone.isdigit() and len(phone) in (9, 10) and phone.startswith("0")):
        fields["phone"] = {
            "en": "Enter a Thai phone number, e.g. 0812345678.",
            "th": "กรอกเบอร์โทรศัพท์ เช่น 0812345678",
        }
    if fields:
        raise ValidationFailedError(fields=fields)


# --- Citizen enrolment -------------------------------------------------------------------


async def begin_enrol(
    ceremony: Ceremony,
    settings: Settings,
    *,
    national_id: str,
    full_name: str,
    phone: str,
    language: str,
    address: str = "",
) -> dict[str, Any]:
    national_id = national_id.replace("-", "").replace(" ", "")
    phone = phone.replace("-", "").replace(" ", "")
    _validate_person(national_id, full_name, phone)
    await _check(
        ceremony.actor, [(Limits.ENROL_IP, ceremony.actor.ip), (Limits.ENROL_ID, national_id)]
    )
    if await Account.exists().where(Account.national_id == national_id):
        raise errors.AlreadyEnrolledError()
    user_handle = secrets.token_bytes(32)
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=user_handle,
        # Shown by the phone's passkey manager: a masked ID tells passkeys apart, privately.
        user_name=f"{full_name.strip()} ({national_id[:1]}-xxxx-{national_id[-4:]})",
        display_name=full_name.strip(),
        exclude=[],
    )
    await _store_challenge(
        ceremony,
        "enrol",
        challenge,
        data={
            "national_id": national_id,
            "full_name": full_name.strip(),
            "phone": phone,
            "language": language,
            "address": address.strip(),
            "user_handle": webauthn.b64url(user_handle),
        },
    )
    return options


async def finish_enrol(
    ceremony: Ceremony, settings: Settings, credential: Any, passkey_name: str
) -> int:
    """Create the account and its first passkey; returns the new account id."""
    taken, new = await _verified_registration(ceremony, settings, "enrol", credential)
    person = taken["data"]
    async with transaction():
        if await Account.exists().where(Account.national_id == person["national_id"]):
            raise errors.AlreadyEnrolledError()
        account = Account(
            user_handle=person["user_handle"],
            role="citizen",
            national_id=person["national_id"],
            full_name=person["full_name"],
            phone=person["phone"],
            address=person.get("address", ""),
            language=person["language"],
            assurance="self_asserted",
            created_at=_now(),
        )
        await account.save()
        passkey_id = await _save_passkey(int(account.id), new, passkey_name)
        actor = Actor(account_id=int(account.id), role="citizen", ip=ceremony.actor.ip)
        await record(
            "account.enrolled",
            actor,
            subject_account_id=int(account.id),
            object_type="passkey",
            object_id=passkey_id,
            detail={"assurance": "self_asserted"},
        )
    return int(account.id)


# --- Sign-in ------------------------------------------------------------------------------


async def begin_signin(
    ceremony: Ceremony, settings: Settings, *, national_id: str | None
) -> dict[str, Any]:
    """Username-less options, or (fallback) the passkeys of the account with this ID number.
    An unknown ID number gets the same answer as username-less, revealing nothing."""
    await _check(ceremony.actor, [(Limits.SIGNIN_IP, ceremony.actor.ip)])
    allow: list[bytes] = []
    if national_id:
        national_id = national_id.replace("-", "").replace(" ", "")
        if not is_valid_thai_id(national_id):
            raise ValidationFailedError(
                fields={
                    "national_id": {
                        "en": "Enter the 13-digit ID number exactly as on your card.",
                        "th": "กรอกเลขประจำตัวประชาชน 13 หลักให้ตรงกับบัตร",
                    }
                }
            )
        rows = await Passkey.select(Passkey.credential_id).where(
            (Passkey.account.national_id == national_id) & Passkey.revoked_at.is_null()
        )
        allow = [webauthn.b64url_decode(r["credential_id"]) for r in rows]
    options, challenge = webauthn.authentication_options(
        rp_id=settings.effective_rp_id, allow=allow
    )
    await _store_challenge(ceremony, "signin", challenge)
    return options


async def _verify_assertion(
    ceremony: Ceremony,
    settings: Settings,
    credential: Any,
    challenge: bytes,
    *,
    account_id: int | None = None,
) -> dict[str, Any]:
    """Find the passkey, check owner and state, verify, and update its counter."""
    try:
        raw_id = webauthn.credential_id_of(credential)
        handle = webauthn.user_handle_of(credential)
    except webauthn.MalformedCredentialError as exc:
        await record("signin.failed", ceremony.actor, detail={"reason": "malformed"})
        raise errors.MalformedCredentialError() from exc
    passkey = (
        await Passkey.select(
            Passkey.id,
            Passkey.account,
            Passkey.public_key,
            Passkey.sign_count,
            Passkey.revoked_at,
            Passkey.account.user_handle.as_alias("user_handle"),
            Passkey.account.role.as_alias("role"),
            Passkey.account.disabled_at.as_alias("disabled_at"),
        )
        .where(Passkey.credential_id == webauthn.b64url(raw_id))
        .first()
    )

    async def fail(error: Exception, reason: str, subject: int | None = None) -> Exception:
        await record(
            "signin.failed",
            ceremony.actor,
            subject_account_id=subject,
            object_type="passkey",
            object_id=passkey["id"] if passkey else "",
            detail={"reason": reason},
        )
        return error

    if passkey is None:
        raise await fail(errors.UnknownCredentialError(), "unknown_credential")
    owner = int(passkey["account"])
    if account_id is not None and owner != account_id:
        raise await fail(errors.SigninFailedError(), "wrong_account", owner)
    if passkey["revoked_at"] is not None:
        raise await fail(errors.PasskeyRevokedError(), "revoked", owner)
    if passkey["disabled_at"] is not None:
        raise await fail(errors.SigninFailedError(), "account_disabled", owner)
    # userHandle is not covered by the signature: it must name the passkey's owner.
    if handle is not None and webauthn.b64url(handle) != passkey["user_handle"]:
        raise await fail(errors.SigninFailedError(), "user_handle_mismatch", owner)
    await _check(ceremony.actor, [(Limits.SIGNIN_ACCOUNT, str(owner))], subject_account_id=owner)
    try:
        new_count, backed_up = webauthn.verify_authentication(
            credential,
            challenge=challenge,
            rp_id=settings.effective_rp_id,
            origin=settings.public_origin,
            public_key=bytes(passkey["public_key"]),
            sign_count=int(passkey["sign_count"]),
        )
    except webauthn.SignCountRegressionError as exc:
        raise await fail(errors.SignCountError(), "sign_count_regression", owner) from exc
    except webauthn.MalformedCredentialError as exc:
        raise await fail(errors.MalformedCredentialError(), "malformed", owner) from exc
    except webauthn.AuthenticationRejectedError as exc:
        raise await fail(errors.SigninFailedError(), exc.reason[:200], owner) from exc
    await Passkey.update(
        {
            Passkey.sign_count: new_count,
            Passkey.last_used_at: _now(),
            Passkey.backed_up: backed_up,
        }
    ).where(Passkey.id == passkey["id"])
    return {"account_id": owner, "role": passkey["role"], "passkey_id": passkey["id"]}


async def store_challenge(
    ceremony: Ceremony, purpose: str, challenge: bytes, *, account_id: int | None = None
) -> None:
    """Remember a challenge for another domain's ceremony (e.g. kiosk consent)."""
    await _store_challenge(ceremony, purpose, challenge, account_id=account_id)


async def verify_for_account(
    ceremony: Ceremony, settings: Settings, credential: Any, purpose: str, account_id: int
) -> None:
    """Consume the `purpose` challenge and verify an assertion by one of `account_id`'s
    passkeys (not anyone else's)."""
    taken = await _take_challenge(ceremony, purpose)
    if taken["account"] != account_id:
        raise errors.ChallengeMissingError()
    await _verify_assertion(
        ceremony, settings, credential, taken["challenge_bytes"], account_id=account_id
    )


async def finish_signin(ceremony: Ceremony, settings: Settings, credential: Any) -> tuple[int, str]:
    """Verify the assertion; returns (account id, role) to start the signed-in session."""
    taken = await _take_challenge(ceremony, "signin")
    who = await _verify_assertion(ceremony, settings, credential, taken["challenge_bytes"])
    actor = Actor(account_id=who["account_id"], role=who["role"], ip=ceremony.actor.ip)
    await record(
        "signin.succeeded",
        actor,
        subject_account_id=who["account_id"],
        object_type="passkey",
        object_id=who["passkey_id"],
    )
    return who["account_id"], who["role"]


# --- Managing passkeys --------------------------------------------------------------------


async def list_passkeys(account_id: int) -> list[dict[str, Any]]:
    return list(
        await Passkey.select(
            Passkey.id,
            Passkey.name,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.multi_device,
        )
        .where((Passkey.account == account_id) & Passkey.revoked_at.is_null())
        .order_by(Passkey.id)
    )


async def _exclude_list(account_id: int) -> list[bytes]:
    rows = await Passkey.select(Passkey.credential_id).where(
        (Passkey.account == account_id) & Passkey.revoked_at.is_null()
    )
    return [webauthn.b64url_decode(r["credential_id"]) for r in rows]


async def _registration_for(
    ceremony: Ceremony,
    settings: Settings,
    account_id: int,
    purpose: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:
        raise NotFoundError()
    national_id = account["national_id"] or ""
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=webauthn.b64url_decode(account["user_handle"]),
        user_name=f"{account['full_name']} ({national_id[:1]}-xxxx-{national_id[-4:]})"
        if national_id
        else account["full_name"],
        display_name=account["full_name"],
        exclude=await _exclude_list(account_id),
    )
    await _store_challenge(ceremony, purpose, challenge, account_id=account_id, data=data)
    return options


async def begin_add_passkey(
    ceremony: Ceremony, settings: Settings, account_id: int
) -> dict[str, Any]:
    return await _registration_for(ceremony, settings, account_id, "add")


async def _verified_registration(
    ceremony: Ceremony, settings: Settings, purpose: str, credential: Any
) -> tuple[dict[str, Any], webauthn.NewCredential]:
    """Consume the challenge (outside any transaction: a failed attempt still burns it) and
    verify the new credential."""
    taken = await _take_challenge(ceremony, purpose)
    try:
        new = webauthn.verify_registration(
            credential,
            challenge=taken["challenge_bytes"],
            rp_id=settings.effective_rp_id,
            origin=settings.public_origin,
        )
    except webauthn.WebAuthnError as exc:
        await record(
            _FAILED_ACTIONS[purpose],
            ceremony.actor,
            subject_account_id=taken["account"],
            detail={"reason": exc.reason[:200]},
        )
        raise _registration_failed(exc) from exc
    return taken, new


async def finish_add_passkey(
    ceremony: Ceremony, settings: Settings, account_id: int, credential: Any, name: str
) -> int:
    taken, new = await _verified_registration(ceremony, settings, "add", credential)
    if taken["account"] != account_id:
        raise errors.ChallengeMissingError()
    async with transaction():
        passkey_id = await _save_passkey(account_id, new, name)
        await record(
            "passkey.added",
            ceremony.actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
        )
    return passkey_id


async def rename_passkey(actor: Actor, account_id: int, passkey_id: int, name: str) -> None:
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise ValidationFailedError(
            fields={"name": {"en": "Use 1 to 60 characters.", "th": "ใช้ 1 ถึง 60 ตัวอักษร"}}
        )
    updated = (
        await Passkey.update({Passkey.name: name})
        .where(
            (Passkey.id == passkey_id)
            & (Passkey.account == account_id)
            & Passkey.revoked_at.is_null()
        )
        .returning(Passkey.id)
    )
    if not updated:
        raise errors.PasskeyNotFoundError()
    await record(
        "passkey.renamed",
        actor,
        subject_account_id=account_id,
        object_type="passkey",
        object_id=passkey_id,
    )


async def revoke_passkey(
    actor: Actor, account_id: int, passkey_id: int, *, confirm_last: bool
) -> None:
    """Revoke a passkey. The last one only with `confirm_last`: afterwards the citizen can
    sign in again only through an in-person recovery code."""
    async with transaction():
        active = await Passkey.select(Passkey.id).where(
            (Passkey.account == account_id) & Passkey.revoked_at.is_null()
        )
        ids = {r["id"] for r in active}
        if passkey_id not in ids:
            raise errors.PasskeyNotFoundError()
        if len(ids) == 1 and not confirm_last:
            raise errors.LastPasskeyError()
        await Passkey.update({Passkey.revoked_at: _now()}).where(Passkey.id == passkey_id)
        await record(
            "passkey.revoked",
            actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
            detail={"was_last": len(ids) == 1},
        )


# --- Recovery codes (issued in person by an operator) ---------------------------------------


async def issue_recovery_code(actor: Actor, national_id: str) -> tuple[str, dt.datetime, int]:
    """A single-use code letting the citizen add a passkey on their own phone within 15 min."""
    national_id = national_id.replace("-", "").replace(" ", "")
    if not is_valid_thai_id(national_id):
        raise ValidationFailedError(
            fields={
                "national_id": {
                    "en": "Enter a valid 13-digit ID number.",
                    "th": "กรอกเลขประจำตัวประชาชน 13 หลักให้ถูกต้อง",
                }
            }
        )
    await _check(actor, [(Limits.RECOVERY_ISSUE, str(actor.account_id))])
    account = (
        await Account.select(Account.id)
        .where((Account.national_id == national_id) & (Account.role == "citizen"))
        .first()
    )
    if account is None:
        raise NotFoundError(
            "No citizen account has this ID number.",
            "ไม่พบบัญชีประชาชนของเลขประจำตัวนี้",
            code="account_not_found",
        )
    code = _new_code(8)
    expires = _now() + RECOVERY_TTL
    async with transaction():
        # A new code replaces any earlier unused one for the same citizen.
        await OneTimeCode.update({OneTimeCode.used_at: _now()}).where(
            (OneTimeCode.account == account["id"])
            & (OneTimeCode.purpose == "recovery")
            & OneTimeCode.used_at.is_null()
        )
        row = OneTimeCode(
            code_hash=_code_hash(code),
            purpose="recovery",
            account=account["id"],
            issued_by=actor.account_id,
            created_at=_now(),
            expires_at=expires,
        )
        await row.save()
        await record(
            "recovery.issued",
            actor,
            subject_account_id=account["id"],
            object_type="one_time_code",
            object_id=row.id,
        )
    return code, expires, int(account["id"])


async def _code_row(ceremony: Ceremony, code: str, purpose: str) -> dict[str, Any]:
    """The unused, unexpired code; any other is refused alike and audited with the reason."""
    row = (
        await OneTimeCode.select()
        .where((OneTimeCode.code_hash == _code_hash(code)) & (OneTimeCode.purpose == purpose))
        .first()
    )
    if row is None:
        reason = "code_unknown"
    elif row["used_at"] is not None:
        reason = "code_used"
    elif row["expires_at"] <= _now():
        reason = "code_expired"
    else:
        return row
    await record(
        f"{purpose}.failed",
        ceremony.actor,
        subject_account_id=row["account"] if row else None,
        object_type="one_time_code" if row else "",
        object_id=row["id"] if row else "",
        detail={"reason": reason},
    )
    raise errors.CodeInvalidError()


async def _use_code(code_id: int) -> None:
    used = (
        await OneTimeCode.update({OneTimeCode.used_at: _now()})
        .where((OneTimeCode.id == code_id) & OneTimeCode.used_at.is_null())
        .returning(OneTimeCode.id)
    )
    if not used:
        raise errors.CodeInvalidError()


async def begin_recovery(ceremony: Ceremony, settings: Settings, code: str) -> dict[str, Any]:
    await _check(ceremony.actor, [(Limits.RECOVER_IP, ceremony.actor.ip)])
    row = await _code_row(ceremony, code, "recovery")
    account_id = int(row["account"])
    await _check(
        ceremony.actor, [(Limits.RECOVER_ACCOUNT, str(account_id))], subject_account_id=account_id
    )
    return await _registration_for(
        ceremony, settings, account_id, "recover", data={"code_id": row["id"]}
    )


async def finish_recovery(
    ceremony: Ceremony, settings: Settings, credential: Any, name: str
) -> tuple[int, str]:
    """Add the new passkey and use up the code, together; returns (account id, role)."""
    taken, new = await _verified_registration(ceremony, settings, "recover", credential)
    account_id = int(taken["account"])
    async with transaction():
        code = await OneTimeCode.select().where(OneTimeCode.id == taken["data"]["code_id"]).first()
        if code is None or code["expires_at"] <= _now():
            raise errors.CodeInvalidError()
        await _use_code(int(code["id"]))
        passkey_id = await _save_passkey(account_id, new, name)
        actor = Actor(account_id=account_id, role="citizen", ip=ceremony.actor.ip)
        await record(
            "recovery.used",
            actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
            detail={"issued_by": code["issued_by"]},
        )
    return account_id, "citizen"


# --- Staff invitations --------------------------------------------------------------------


async def issue_invitation(
    actor: Actor,
    *,
    role: str,
    full_name: str,
    agency_code: str | None,
    ttl: dt.timedelta = INVITATION_TTL,
) -> tuple[str, dt.datetime]:
    if role not in ("operator", "officer", "admin"):
        raise ValidationFailedError(
            fields={
                "role": {
                    "en": "Role must be operator, officer or admin.",
                    "th": "บทบาทต้องเป็น operator, officer หรือ admin",
                }
            }
        )
    if not 2 <= len(full_name.strip()) <= 120:
        raise ValidationFailedError(
            fields={
                "full_name": {
                    "en": "Enter the staff member's full name.",
                    "th": "กรอกชื่อ-นามสกุลของเจ้าหน้าที่",
                }
            }
        )
    agency_id = None
    if role == "officer":
        agency = (
            await Agency.select(Agency.id).where(Agency.code == (agency_code or "").upper()).first()
        )
        if agency is None:
            raise ValidationFailedError(
                fields={
                    "agency": {
                        "en": "An officer belongs to a known agency.",
                        "th": "เจ้าหน้าที่ต้องสังกัดหน่วยงาน",
                    }
                }
            )
        agency_id = agency["id"]
    elif agency_code:
        raise ClientError("Only officers belong to an agency.", code="agency_not_allowed")
    code = _new_code(16)
    expires = _now() + ttl
    async with transaction():
        row = OneTimeCode(
            code_hash=_code_hash(code),
            purpose="invitation",
            role=role,
            agency=agency_id,
            full_name=full_name.strip(),
            issued_by=actor.account_id,
            created_at=_now(),
            expires_at=expires,
        )
        await row.save()
        await record(
            "invitation.issued",
            actor,
            object_type="one_time_code",
            object_id=row.id,
            detail={"role": role, "agency_id": agency_id},
        )
    return code, expires


async def begin_invitation(ceremony: Ceremony, settings: Settings, code: str) -> dict[str, Any]:
    await _check(ceremony.actor, [(Limits.INVITE_IP, ceremony.actor.ip)])
    row = await _code_row(ceremony, code, "invitation")
    user_handle = secrets.token_bytes(32)
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=user_handle,
        user_name=f"{row['full_name']} ({row['role']})",
        display_name=row["full_name"],
        exclude=[],
    )
    await _store_challenge(
        ceremony,
        "staff",
        challenge,
        data={"code_id": row["id"], "user_handle": webauthn.b64url(user_handle)},
    )
    return options


async def finish_invitation(
    ceremony: Ceremony, settings: Settings, credential: Any, name: str
) -> tuple[int, str]:
    taken, new = await _verified_registration(ceremony, settings, "staff", credential)
    async with transaction():
        code = await OneTimeCode.select().where(OneTimeCode.id == taken["data"]["code_id"]).first()
        if code is None or code["expires_at"] <= _now():
            raise errors.CodeInvalidError()
        await _use_code(int(code["id"]))
        account = Account(
            user_handle=taken["data"]["user_handle"],
            role=code["role"],
            national_id=None,
            full_name=code["full_name"],
            agency=code["agency"],
            assurance="verified_in_person",
            created_at=_now(),
        )
        await account.save()
        passkey_id = await _save_passkey(int(account.id), new, name)
        actor = Actor(account_id=int(account.id), role=code["role"], ip=ceremony.actor.ip)
        await record(
            "invitation.used",
            actor,
            subject_account_id=int(account.id),
            object_type="passkey",
            object_id=passkey_id,
            detail={"issued_by": code["issued_by"], "role": code["role"]},
        )
    return int(account.id), str(code["role"])


# --- Profile -----------------------------------------------------------------------------


async def profile(account_id: int) -> Profile:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise NotFoundError()
    return Profile(
        full_name=row["full_name"],
        national_id=row["national_id"],
        phone=row["phone"],
        address=row["address"],
        language=row["language"],
        assurance=row["assurance"],
    )


async def update_profile(
    actor: Actor, account_id: int, *, phone: str | None, address: str | None, language: str | None
) -> None:
    values: dict[Any, Any] = {}
    if phone is not None:
        phone = phone.replace("-", "").replace(" ", "")
        if phone and not (phone.isdigit() and len(phone) in (9, 10) and phone.startswith("0")):
            raise ValidationFailedError(
                fields={
                    "phone": {
                        "en": "Enter a Thai phone number, e.g. 0812345678.",
                        "th": "กรอกเบอร์โทรศัพท์ เช่น 0812345678",
                    }
                }
            )
        values[Account.phone] = phone
    if address is not None:
        values[Account.address] = address.strip()
    if language is not None:
        values[Account.language] = language
    if values:
        await Account.update(values).where(Account.id == account_id)
        await record(
            "account.profile_updated",
            actor,
            subject_account_id=account_id,
            object_type="account",
            object_id=account_id,
            detail={"fields": sorted(str(k._meta.name) for k in values)},
        )
