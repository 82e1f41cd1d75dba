"""A citizen's enrolment: the person's details checked, then the account with its first passkey."""

from __future__ import annotations

import secrets
from typing import Any

from backend.accounts import errors
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
from backend.accounts.services.passkeys import verified_registration
from backend.accounts.tables import Account
from backend.lib import webauthn
from backend.lib.db import transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record


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
    national_id = national_id.replace("-", "").replace(" ", "")
    phone = phone.replace("-", "").replace(" ", "")
    _validate_person(national_id, full_name, phone)
    await check_limits(
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
    await store_challenge(
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
) -> SignedIn:
    """Create the account and its first passkey."""
    taken, new = await verified_registration(ceremony, settings, "enrol", credential)
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
            created_at=now(),
        )
        await account.save()
        passkey_id = await save_passkey(int(account.id), new, passkey_name)
        actor = Actor(account_id=int(account.id), role="citizen", ip=ceremony.actor.ip)
        await record(
            "account.enrolled",
            actor,
            subject_account_id=int(account.id),
            object_type="passkey",
            object_id=passkey_id,
            detail={"assurance": "self_asserted"},
        )
    return SignedIn(int(account.id), "citizen", passkey_id)
