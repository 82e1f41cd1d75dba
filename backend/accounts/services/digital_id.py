"""Proving who a citizen is with the national digital ID (ThaiD) over OpenID Connect.

The digital ID proves the person once; passkeys stay the way to sign in. Two intents:
- `signup`: the provider's answer becomes a verified person held by the browser's session
  for 15 minutes, from which the citizen creates their account's first passkey (or, if the
  ID number's account is theirs, signs in with it to upgrade it);
- `verify`: a signed-in citizen's account is raised to `verified_digital_id`, if the
  provider vouches for the same ID number.
Every failure is a `DigitalIdFailure` with Thai and English words, audited, and leaves
nothing half-made.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from backend.accounts import errors, national_ids
from backend.accounts.events import AccountNotice
from backend.accounts.services.ceremonies import (
    Ceremony,
    Limits,
    SignedIn,
    check_limits,
    now,
    peek_challenge,
    store_challenge,
    take_challenge,
)
from backend.accounts.services.identity import holder_of, is_verified, set_verified
from backend.accounts.services.signin import verify_for_account
from backend.accounts.tables import Account, Passkey
from backend.lib import oidc, webauthn
from backend.lib.db import transaction
from backend.lib.errors import NotFoundError
from backend.lib.thai_id import is_valid_thai_id, masked_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = [
    "PERSON_TTL",
    "DigitalIdFailure",
    "Intent",
    "begin_claim",
    "callback",
    "finish_claim",
    "person_of",
    "start",
]

Intent = Literal["signup", "verify"]
STATE_TTL = dt.timedelta(minutes=10)
"""Time to go through the digital-ID app and come back."""
PERSON_TTL = dt.timedelta(minutes=15)
"""Time from coming back verified to creating the passkey."""
STATE, PERSON, CLAIM = "digital_id", "verified_person", "digital_claim"
"""Challenge purposes (at most 16 characters)."""


@dataclass(frozen=True, slots=True)
class DigitalIdFailure(Exception):
    """Why the digital ID did not prove who the person is, as the citizen reads it."""

    reason: str
    th: str
    en: str
    status: int = 400


CANCELLED = ("คุณยกเลิกการยืนยันตัวตน ไม่มีการเปลี่ยนแปลงใด ๆ", "You cancelled. Nothing was changed.")
START_AGAIN = (
    "ไม่พบการยืนยันตัวตนที่เริ่มไว้ในเบราว์เซอร์นี้ หรือหมดเวลาแล้ว กรุณาเริ่มใหม่",
    "No digital-ID check was started in this browser, or it took too long. Please start again.",
)
NOT_PROVED = (
    "ไม่สามารถยืนยันตัวตนจากคำตอบของผู้ให้บริการได้ ไม่มีการเปลี่ยนแปลงใด ๆ กรุณาลองใหม่",
    "The provider's answer did not prove who you are. Nothing was changed. Please try again.",
)
PROVIDER_DOWN = (
    "ระบบยืนยันตัวตนดิจิทัลไม่ตอบสนองในขณะนี้ ไม่มีการเปลี่ยนแปลงใด ๆ กรุณาลองใหม่ภายหลัง"
    " หรือไปยืนยันตัวตนที่ว่าการอำเภอ/สำนักงานเขตใกล้บ้าน",
    "The digital-ID service is not answering now. Nothing was changed. Please try again later,"
    " or get verified at a district office.",
)
OTHER_PERSON = (
    "แอปยืนยันตัวตนระบุเลขประจำตัวประชาชนที่ไม่ตรงกับบัญชีนี้ บัญชีจึงไม่ได้รับการยืนยัน",
    "The digital ID is for a different ID number than this account's. It was not verified.",
)


def _party(settings: Settings) -> oidc.RelyingParty:
    if not settings.digital_id_on:
        raise NotFoundError(
            "Verification with a digital ID is not offered here.",
            "ระบบนี้ไม่มีบริการยืนยันตัวตนด้วยแอปดิจิทัล",
            code="digital_id_off",
        )
    return oidc.relying_party(
        oidc.OidcConfig(
            issuer=settings.digital_id_issuer,
            client_id=settings.digital_id_client_id,
            client_secret=settings.digital_id_client_secret,
            redirect_uri=settings.public_origin + "/auth/digital-id/callback",
        )
    )


async def start(
    ceremony: Ceremony, settings: Settings, intent: Intent, account_id: int | None
) -> str:
    """The provider URL to send the browser to; `state`, `nonce` and the PKCE verifier stay
    with the session. `verify` needs the signed-in citizen's `account_id`."""
    party = _party(settings)
    await check_limits(ceremony.actor, [(Limits.DIGITAL_ID_IP, ceremony.actor.ip)])
    try:
        request = await party.authorization_request()
    except oidc.OidcError as exc:
        await record("digital_id.failed", ceremony.actor, detail={"reason": exc.reason})
        raise errors.DigitalIdUnavailableError() from exc
    await store_challenge(
        ceremony,
        STATE,
        webauthn.b64url_decode(request.state),
        account_id=account_id if intent == "verify" else None,
        data={"intent": intent, "nonce": request.nonce, "verifier": request.code_verifier},
    )
    return request.url


async def callback(
    ceremony: Ceremony | None,
    settings: Settings,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
    ip: str = "",
) -> str:
    """Check the provider's answer against what `start` kept; returns where the PWA goes
    next. Raises DigitalIdFailure (audited) when it proves nothing."""
    party = _party(settings)
    actor = ceremony.actor if ceremony else Actor(account_id=None, role="", ip=ip)

    async def fail(reason: str, words: tuple[str, str], status: int = 400) -> DigitalIdFailure:
        await record("digital_id.failed", actor, detail={"reason": reason[:80]})
        return DigitalIdFailure(reason, words[0], words[1], status)

    if ceremony is None:
        raise await fail("no_session", START_AGAIN)
    try:
        taken = await take_challenge(ceremony, STATE, STATE_TTL)
    except (errors.ChallengeMissingError, errors.ChallengeUsedError) as exc:
        raise await fail(f"state_{exc.code}", START_AGAIN) from exc
    except errors.ChallengeExpiredError as exc:
        raise await fail("state_expired", START_AGAIN) from exc
    expected = webauthn.b64url(taken["challenge_bytes"])
    if not state or not hmac.compare_digest(state.encode(), expected.encode()):
        raise await fail("state_mismatch", START_AGAIN)
    if error:
        cancelled = error == "access_denied"
        raise await fail(f"provider_error:{error[:40]}", CANCELLED if cancelled else NOT_PROVED)
    if not code or len(code) > 2048:
        raise await fail("code_missing", NOT_PROVED)
    data = taken["data"]
    try:
        claims = await party.redeem(code, code_verifier=data["verifier"], nonce=data["nonce"])
    except oidc.ProviderUnavailableError as exc:
        raise await fail(exc.reason, PROVIDER_DOWN, 503) from exc
    except oidc.TokenRejectedError as exc:
        raise await fail(exc.reason, NOT_PROVED) from exc
    national_id = str(claims.get(settings.digital_id_claim, "")).replace("-", "")
    if not is_valid_thai_id(national_id):
        raise await fail("no_national_id", NOT_PROVED)
    full_name = _name_of(claims)
    provider = settings.digital_id_name
    if data["intent"] == "verify":
        return await _verify_account(ceremony, taken["account"], national_id, provider, fail)
    await store_challenge(
        ceremony,
        PERSON,
        webauthn.b64url_decode(expected),
        data={
            "national_id": national_id,
            "full_name": full_name,
            "provider": provider,
            "verified_at": now().isoformat(),
        },
    )
    await record("digital_id.verified", actor, detail={"intent": "signup", "provider": provider})
    return "/#/enrol?verified=1"


def _name_of(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return str(name).strip()[:120]


async def _verify_account(
    ceremony: Ceremony, account_id: int | None, national_id: str, provider: str, fail: Any
) -> str:
    if account_id is None or account_id != ceremony.actor.account_id:
        raise await fail("account_changed", START_AGAIN)
    held = await national_ids.national_id_of(account_id)
    if held is None or not hmac.compare_digest(held.encode(), national_id.encode()):
        raise await fail("other_person", OTHER_PERSON)
    async with transaction():
        await set_verified(
            account_id,
            ceremony.actor,
            assurance="verified_digital_id",
            provider=provider,
            detail={"intent": "verify"},
        )
        await publish(AccountNotice(account_id=account_id, what="identity_verified"))
    return "/#/account?verified=digital_id"


async def person_of(ceremony: Ceremony) -> dict[str, Any]:
    """The person this session proved with the digital ID, and whether an account already
    holds their ID number (theirs to sign in with, or a squatter's to take over)."""
    row = await peek_challenge(ceremony, PERSON, PERSON_TTL)
    if row is None:
        raise errors.VerifiedPersonMissingError()
    person = dict(row["data"])
    holder = await holder_of(person["national_id"])
    person["holder"] = (
        "none" if holder is None else "verified" if is_verified(holder["assurance"]) else "other"
    )
    person["holder_id"] = holder["id"] if holder else None
    person["has_passkey"] = bool(
        holder
        and await Passkey.exists().where(
            (Passkey.account == holder["id"]) & Passkey.revoked_at.is_null()
        )
    )
    person["national_id_masked"] = masked_id(person["national_id"])
    return person


async def take_person(ceremony: Ceremony) -> dict[str, Any]:
    """The verified person, used up (a second account cannot be made from one check)."""
    try:
        return dict((await take_challenge(ceremony, PERSON, PERSON_TTL))["data"])
    except (
        errors.ChallengeMissingError,
        errors.ChallengeUsedError,
        errors.ChallengeExpiredError,
    ) as exc:
        raise errors.VerifiedPersonMissingError() from exc


async def begin_claim(ceremony: Ceremony, settings: Settings) -> dict[str, Any]:
    """Passkey options for the account already holding the verified person's ID number:
    signing in with it shows it is theirs, and upgrades it."""
    person = await person_of(ceremony)
    if person["holder_id"] is None:
        raise errors.VerifiedPersonMissingError()
    rows = await Passkey.select(Passkey.credential_id).where(
        (Passkey.account == person["holder_id"]) & Passkey.revoked_at.is_null()
    )
    options, challenge = webauthn.authentication_options(
        rp_id=settings.effective_rp_id,
        allow=[webauthn.b64url_decode(r["credential_id"]) for r in rows],
    )
    await store_challenge(ceremony, CLAIM, challenge, account_id=person["holder_id"])
    return options


async def finish_claim(ceremony: Ceremony, settings: Settings, credential: Any) -> SignedIn:
    person = await person_of(ceremony)
    account_id = person["holder_id"]
    if account_id is None:
        raise errors.VerifiedPersonMissingError()
    passkey_id = await verify_for_account(ceremony, settings, credential, CLAIM, account_id)
    actor = Actor(account_id=account_id, role="citizen", ip=ceremony.actor.ip)
    async with transaction():
        await take_person(ceremony)
        # The digital ID's name is the person's legal name: it replaces the typed one.
        await Account.update({Account.full_name: person["full_name"]}).where(
            Account.id == account_id
        )
        await set_verified(
            account_id,
            actor,
            assurance="verified_digital_id",
            provider=person["provider"],
            detail={"intent": "signup", "signed_in_with_passkey": True},
        )
        await publish(AccountNotice(account_id=account_id, what="identity_verified"))
    return SignedIn(account_id, "citizen", passkey_id)
