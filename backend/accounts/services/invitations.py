"""Staff invitations an admin issues, and the ceremony that turns one into a staff account."""

from __future__ import annotations

import datetime as dt
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
from backend.accounts.services.codes import code_row, hash_code, new_code, use_code
from backend.accounts.services.passkeys import verified_registration
from backend.accounts.tables import Account, OneTimeCode
from backend.catalog.tables import Agency
from backend.lib import webauthn
from backend.lib.db import transaction
from backend.lib.errors import ClientError, ValidationFailedError
from backend.settings import Settings
from backend.system.audit import Actor, record

INVITATION_TTL = dt.timedelta(hours=72)


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
    code = new_code(16)
    expires = now() + ttl
    async with transaction():
        row = OneTimeCode(
            code_hash=hash_code(code),
            purpose="invitation",
            role=role,
            agency=agency_id,
            full_name=full_name.strip(),
            issued_by=actor.account_id,
            created_at=now(),
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
    await check_limits(ceremony.actor, [(Limits.INVITE_IP, ceremony.actor.ip)])
    row = await code_row(ceremony, code, "invitation")
    user_handle = secrets.token_bytes(32)
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=user_handle,
        user_name=f"{row['full_name']} ({row['role']})",
        display_name=row["full_name"],
        exclude=[],
    )
    await store_challenge(
        ceremony,
        "staff",
        challenge,
        data={"code_id": row["id"], "user_handle": webauthn.b64url(user_handle)},
    )
    return options


async def finish_invitation(
    ceremony: Ceremony, settings: Settings, credential: Any, name: str
) -> SignedIn:
    taken, new = await verified_registration(ceremony, settings, "staff", credential)
    async with transaction():
        code = await OneTimeCode.select().where(OneTimeCode.id == taken["data"]["code_id"]).first()
        if code is None or code["expires_at"] <= now():
            raise errors.CodeInvalidError()
        await use_code(int(code["id"]))
        account = Account(
            user_handle=taken["data"]["user_handle"],
            role=code["role"],
            full_name=code["full_name"],
            agency=code["agency"],
            assurance="verified_in_person",
            created_at=now(),
        )
        await account.save()
        passkey_id = await save_passkey(int(account.id), new, name)
        actor = Actor(account_id=int(account.id), role=code["role"], ip=ceremony.actor.ip)
        await record(
            "invitation.used",
            actor,
            subject_account_id=int(account.id),
            object_type="passkey",
            object_id=passkey_id,
            detail={"issued_by": code["issued_by"], "role": code["role"]},
        )
    return SignedIn(int(account.id), str(code["role"]), passkey_id)
