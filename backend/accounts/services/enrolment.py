"""A citizen's enrolment: the person's details checked, then the account with its first passkey."""

from __future__ import annotations

import secrets
from typing import Any

from backend.accounts import errors, national_ids
from backend.accounts.events import AccountNotice
from backend.accounts.national_ids import index_of, normalise
from backend.accounts.services.ceremonies import (
    RP_NAME,
    Ceremony,
    Limits,
    SignedIn,
    check_limits,
    now,
    save_passkey,
    store_challenge,
)
from backend.accounts.services.digital_id import person_of, take_person
from backend.accounts.services.identity import holder_of, is_verified, take_number
from backend.accounts.services.passkeys import registration_for, verified_registration
from backend.accounts.tables import Account
from backend.lib import webauthn
from backend.lib.db import transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.registry import publish


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
    national_id = normalise(national_id)
    phone = phone.replace("-", "").replace(" ", "")
    _validate_person(national_id, full_name, phone)
    await check_limits(
        ceremony.actor,
        [(Limits.ENROL_IP, ceremony.actor.ip), (Limits.ENROL_ID, index_of(national_id))],
    )
    # Whether the number has an account is not told here (the same answer either way): only
    # after the passkey ceremony, and then the person is led to verify who they are.
    return await _registration(
        ceremony,
        settings,
        {
            "national_id": national_id,
            "full_name": full_name.strip(),
            "phone": phone,
            "language": language,
            "address": address.strip(),
        },
    )


async def begin_verified_enrol(
    ceremony: Ceremony, settings: Settings, *, phone: str, language: str, address: str = ""
) -> dict[str, Any]:
    """Passkey options for the person this session proved with the digital ID: a new
    account, or a new passkey for their own verified account if it already exists."""
    phone = phone.replace("-", "").replace(" ", "")
    await check_limits(ceremony.actor, [(Limits.ENROL_IP, ceremony.actor.ip)])
    person = await person_of(ceremony)
    _validate_person(person["national_id"], person["full_name"], phone)
    verified = {"provider": person["provider"], "at": person["verified_at"]}
    if person["holder"] == "verified":
        return await registration_for(
            ceremony, settings, person["holder_id"], "enrol", data={"verified": verified}
        )
    return await _registration(
        ceremony,
        settings,
        {
            "national_id": person["national_id"],
            "full_name": person["full_name"],
            "phone": phone,
            "language": language,
            "address": address.strip(),
            "verified": verified,
        },
    )


async def _registration(
    ceremony: Ceremony, settings: Settings, person: dict[str, Any]
) -> dict[str, Any]:
    national_id, full_name = person["national_id"], person["full_name"]
    user_handle = secrets.token_bytes(32)
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=user_handle,
        # Shown by the phone's passkey manager: a masked ID tells passkeys apart, privately.
        user_name=f"{full_name} ({national_id[:1]}-xxxx-{national_id[-4:]})",
        display_name=full_name,
        exclude=[],
    )
    data = {**person, "user_handle": webauthn.b64url(user_handle)}
    await store_challenge(ceremony, "enrol", challenge, data=data)
    return options


async def finish_enrol(
    ceremony: Ceremony, settings: Settings, credential: Any, passkey_name: str
) -> SignedIn:
    """Create the account and its first passkey. A self-asserted number already held is
    refused only now, after the ceremony, pointing to verification; a verified person takes
    it from a self-asserted account (frozen), or adds the passkey to their own."""
    taken, new = await verified_registration(ceremony, settings, "enrol", credential)
    person = taken["data"]
    verified = person.get("verified")
    async with transaction():
        if verified:
            await take_person(ceremony)
            if taken["account"] is not None:
                return await _recovered(ceremony, int(taken["account"]), new, passkey_name)
        holder = await holder_of(person["national_id"])
        if holder is not None and (not verified or is_verified(holder["assurance"])):
            await record("enrol.failed", ceremony.actor, detail={"reason": "id_held"})
            raise errors.IdNeedsVerificationError()
        assurance = "verified_digital_id" if verified else "self_asserted"
        account = Account(
            user_handle=person["user_handle"],
            role="citizen",
            full_name=person["full_name"],
            phone=person["phone"],
            address=person.get("address", ""),
            language=person["language"],
            assurance=assurance,
            assurance_provider=verified["provider"] if verified else "",
            assured_at=now() if verified else None,
            created_at=now(),
        )
        await account.save()
        account_id = int(account.id)
        actor = Actor(account_id=account_id, role="citizen", ip=ceremony.actor.ip)
        passkey_id = await save_passkey(account_id, new, passkey_name)
        detail: dict[str, Any] = {"assurance": assurance}
        if verified:
            detail["provider"] = verified["provider"]
        await record(
            "account.enrolled",
            actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
            detail=detail,
        )
        if verified:  # never a self-asserted enrolment: it holds no claim on the number
            await take_number(
                person["national_id"],
                account_id,
                actor,
                how="digital_id",
                detail={"provider": verified["provider"]},
            )
        else:
            await Account.update(national_ids.values(person["national_id"])).where(
                Account.id == account_id
            )
    return SignedIn(account_id, "citizen", passkey_id)


async def _recovered(
    ceremony: Ceremony, account_id: int, new: webauthn.NewCredential, name: str
) -> SignedIn:
    """The digital ID proved the holder of a verified account: a new passkey for it (as a
    district office's recovery code would give), and they are told."""
    row = await Account.select(Account.disabled_at).where(Account.id == account_id).first()
    if row is None or row["disabled_at"] is not None:
        raise errors.SigninFailedError()
    passkey_id = await save_passkey(account_id, new, name)
    actor = Actor(account_id=account_id, role="citizen", ip=ceremony.actor.ip)
    await record(
        "recovery.digital_id",
        actor,
        subject_account_id=account_id,
        object_type="passkey",
        object_id=passkey_id,
    )
    await publish(AccountNotice(account_id=account_id, what="passkey_added"))
    return SignedIn(account_id, "citizen", passkey_id)
