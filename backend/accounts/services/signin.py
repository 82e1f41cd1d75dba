"""Sign-in with a passkey, and step-up verification of a signed-in account."""

from __future__ import annotations

from typing import Any

from backend.accounts import errors
from backend.accounts.national_ids import index_of, normalise
from backend.accounts.services.ceremonies import (
    Ceremony,
    Limits,
    SignedIn,
    check_limits,
    now,
    store_challenge,
    take_challenge,
)
from backend.accounts.tables import Passkey
from backend.lib import webauthn
from backend.lib.errors import AuthorizationError, ValidationFailedError
from backend.lib.masking import mask
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record


def made_up_credential_id(settings: Settings, national_id: str) -> bytes:
    """A passkey id for an ID number that has none: 16 to 32 bytes, as authenticators make
    them, stable per number (a keyed hash), so asking twice cannot tell it from a real one."""
    digest = mask(settings, "signin-credential", national_id)
    return digest[: 16 + digest[0] % 17]


async def begin_signin(
    ceremony: Ceremony, settings: Settings, *, national_id: str | None
) -> dict[str, Any]:
    """Username-less options, or (fallback) the passkeys of the account with this ID number.
    An ID number with no passkey gets a made-up one, the same each time: the answer does not
    tell whether an account exists."""
    await check_limits(ceremony.actor, [(Limits.SIGNIN_IP, ceremony.actor.ip)])
    allow: list[bytes] = []
    if national_id:
        national_id = normalise(national_id)
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
            (Passkey.account.national_id_index == index_of(national_id))
            & Passkey.revoked_at.is_null()
        )
        allow = [webauthn.b64url_decode(r["credential_id"]) for r in rows] or [
            made_up_credential_id(settings, national_id)
        ]
    options, challenge = webauthn.authentication_options(
        rp_id=settings.effective_rp_id, allow=allow
    )
    await store_challenge(ceremony, "signin", challenge)
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
    await check_limits(
        ceremony.actor, [(Limits.SIGNIN_ACCOUNT, str(owner))], subject_account_id=owner
    )
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
            Passkey.last_used_at: now(),
            Passkey.backed_up: backed_up,
        }
    ).where(Passkey.id == passkey["id"])
    return {"account_id": owner, "role": passkey["role"], "passkey_id": passkey["id"]}


async def verify_for_account(
    ceremony: Ceremony, settings: Settings, credential: Any, purpose: str, account_id: int
) -> int:
    """Consume the `purpose` challenge and verify an assertion by one of `account_id`'s
    passkeys (not anyone else's); returns the passkey's id."""
    taken = await take_challenge(ceremony, purpose)
    if taken["account"] != account_id:
        raise errors.ChallengeMissingError()
    who = await _verify_assertion(
        ceremony, settings, credential, taken["challenge_bytes"], account_id=account_id
    )
    return int(who["passkey_id"])


async def finish_signin(ceremony: Ceremony, settings: Settings, credential: Any) -> SignedIn:
    """Verify the assertion; returns who signed in, to start the signed-in session."""
    taken = await take_challenge(ceremony, "signin")
    who = await _verify_assertion(ceremony, settings, credential, taken["challenge_bytes"])
    actor = Actor(account_id=who["account_id"], role=who["role"], ip=ceremony.actor.ip)
    await record(
        "signin.succeeded",
        actor,
        subject_account_id=who["account_id"],
        object_type="passkey",
        object_id=who["passkey_id"],
    )
    return SignedIn(who["account_id"], who["role"], who["passkey_id"])


async def begin_staff_check(
    ceremony: Ceremony, settings: Settings, purpose: str, what: dict[str, Any]
) -> dict[str, Any]:
    """Username-less options for a staff member to confirm `what` (kept with the challenge,
    so the passkey confirms exactly that) with their own passkey on another's device (a
    second pair of eyes at a kiosk). `purpose` names the ceremony."""
    options, challenge = webauthn.authentication_options(rp_id=settings.effective_rp_id, allow=[])
    await store_challenge(ceremony, purpose, challenge, data=what)
    return options


async def finish_staff_check(
    ceremony: Ceremony, settings: Settings, credential: Any, purpose: str, roles: tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    """Verify the assertion of `purpose`'s challenge by the passkey of a staff member with one
    of `roles`; returns their account id and what they confirmed. Anyone else's passkey is
    refused (403)."""
    taken = await take_challenge(ceremony, purpose)
    who = await _verify_assertion(ceremony, settings, credential, taken["challenge_bytes"])
    if who["role"] not in roles:
        raise AuthorizationError(
            "This needs the passkey of another staff member.",
            "ต้องยืนยันด้วยพาสคีย์ของเจ้าหน้าที่อีกคนหนึ่ง",
            code="second_staff_required",
        )
    return int(who["account_id"]), dict(taken["data"])
