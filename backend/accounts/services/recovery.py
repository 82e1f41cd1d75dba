"""Recovery codes a district office issues, and the ceremony that redeems one for a new passkey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.accounts import errors
from backend.accounts.events import AccountNotice
from backend.accounts.national_ids import held_by, normalise
from backend.accounts.services.ceremonies import (
    Ceremony,
    Limits,
    SignedIn,
    check_limits,
    now,
    save_passkey,
)
from backend.accounts.services.codes import code_row, hash_code, new_code, use_code
from backend.accounts.services.passkeys import registration_for, verified_registration
from backend.accounts.tables import Account, OneTimeCode
from backend.lib.db import transaction
from backend.lib.errors import NotFoundError, ValidationFailedError
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.registry import publish

RECOVERY_TTL = dt.timedelta(minutes=15)


async def issue_recovery_code(
    actor: Actor, national_id: str, *, approved_by: int | None = None, where: str = ""
) -> tuple[str, dt.datetime, int]:
    """A single-use code letting the citizen add a passkey on their own phone within 15 min.
    Who may ask, where, is the caller's rule (kiosk: in person only); `approved_by`, a second
    staff member who approved it, is recorded with it; the citizen is told, with `where`."""
    national_id = normalise(national_id)
    if not is_valid_thai_id(national_id):
        raise ValidationFailedError(
            fields={
                "national_id": {
                    "en": "Enter a valid 13-digit ID number.",
                    "th": "กรอกเลขประจำตัวประชาชน 13 หลักให้ถูกต้อง",
                }
            }
        )
    await check_limits(actor, [(Limits.RECOVERY_ISSUE, str(actor.account_id))])
    account = (
        await Account.select(Account.id)
        .where(held_by(national_id) & (Account.role == "citizen"))
        .first()
    )
    if account is None:
        raise NotFoundError(
            "No citizen account has this ID number.",
            "ไม่พบบัญชีประชาชนของเลขประจำตัวนี้",
            code="account_not_found",
        )
    code = new_code(8)
    expires = now() + RECOVERY_TTL
    async with transaction():
        # A new code replaces any earlier unused one for the same citizen.
        await OneTimeCode.update({OneTimeCode.used_at: now()}).where(
            (OneTimeCode.account == account["id"])
            & (OneTimeCode.purpose == "recovery")
            & OneTimeCode.used_at.is_null()
        )
        row = OneTimeCode(
            code_hash=hash_code(code),
            purpose="recovery",
            account=account["id"],
            issued_by=actor.account_id,
            created_at=now(),
            expires_at=expires,
        )
        await row.save()
        await record(
            "recovery.issued",
            actor,
            subject_account_id=account["id"],
            object_type="one_time_code",
            object_id=row.id,
            detail={"approved_by": approved_by} if approved_by else None,
        )
        await publish(
            AccountNotice(account_id=account["id"], what="recovery_code_issued", where=where)
        )
    return code, expires, int(account["id"])


async def begin_recovery(ceremony: Ceremony, settings: Settings, code: str) -> dict[str, Any]:
    await check_limits(ceremony.actor, [(Limits.RECOVER_IP, ceremony.actor.ip)])
    row = await code_row(ceremony, code, "recovery")
    account_id = int(row["account"])
    await check_limits(
        ceremony.actor, [(Limits.RECOVER_ACCOUNT, str(account_id))], subject_account_id=account_id
    )
    return await registration_for(
        ceremony, settings, account_id, "recover", data={"code_id": row["id"]}
    )


async def finish_recovery(
    ceremony: Ceremony, settings: Settings, credential: Any, name: str
) -> SignedIn:
    """Add the new passkey and use up the code, together."""
    taken, new = await verified_registration(ceremony, settings, "recover", credential)
    account_id = int(taken["account"])
    async with transaction():
        code = await OneTimeCode.select().where(OneTimeCode.id == taken["data"]["code_id"]).first()
        if code is None or code["expires_at"] <= now():
            raise errors.CodeInvalidError()
        await use_code(int(code["id"]))
        passkey_id = await save_passkey(account_id, new, name)
        actor = Actor(account_id=account_id, role="citizen", ip=ceremony.actor.ip)
        await record(
            "recovery.used",
            actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
            detail={"issued_by": code["issued_by"]},
        )
        await publish(AccountNotice(account_id=account_id, what="recovery_code_used"))
    return SignedIn(account_id, "citizen", passkey_id)
