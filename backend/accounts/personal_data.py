"""The accounts domain's part of a citizen's PDPA rights (see privacy.services): profile,
passkeys and sessions in the export; on erasure the confirmation is checked here, and the
passkeys, sessions and codes go while the account row stays, emptied, under a new handle."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from backend.accounts import national_ids
from backend.accounts.national_ids import open_id
from backend.accounts.tables import Account, OneTimeCode, Passkey, Session
from backend.lib.errors import ConflictError, ValidationFailedError
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART"]


async def _export(account_id: int) -> dict[str, Any]:
    profile = (
        await Account.select(
            Account.national_id_sealed.as_alias("national_id"),
            Account.full_name,
            Account.phone,
            Account.address,
            Account.language,
            Account.assurance,
            Account.assurance_provider,
            Account.assured_at,
            Account.created_at,
        )
        .where(Account.id == account_id)
        .first()
    )
    if profile is not None:  # the citizen's own copy holds their number, in clear
        profile["national_id"] = open_id(profile["national_id"])
    return {
        "profile": profile,
        "passkeys": await Passkey.select(
            Passkey.name,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.multi_device,
            Passkey.backed_up,
            Passkey.revoked_at,
        ).where(Passkey.account == account_id),
        "sessions": await Session.select(
            Session.created_at,
            Session.last_seen_at,
            Session.expires_at,
            Session.revoked_at,
            Session.ip,
            Session.user_agent,
        ).where(Session.account == account_id),
    }


THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
"""A Thai keyboard types Thai digits: they confirm as well as Arabic ones."""


async def _check(erasure: Erasure) -> None:
    """`confirm` must be the last four digits of the account's ID number."""
    account = (
        await Account.select(Account.national_id_sealed, Account.disabled_at)
        .where(Account.id == erasure.account_id)
        .first()
    )
    if account is None or account["disabled_at"] is not None:
        raise ConflictError(
            "This account is already deleted.", "บัญชีนี้ถูกลบแล้ว", code="account_deleted"
        )
    national_id = open_id(account["national_id_sealed"]) or ""
    typed = erasure.confirm.strip().translate(THAI_DIGITS).encode()  # compare_digest: bytes
    if not national_id or not secrets.compare_digest(typed, national_id[-4:].encode()):
        raise ValidationFailedError(
            fields={
                "confirm": {
                    "en": "Type the last 4 digits of your ID number to confirm.",
                    "th": "กรุณาพิมพ์เลขบัตรประชาชน 4 หลักสุดท้ายเพื่อยืนยัน",
                }
            }
        )


async def _erase(erasure: Erasure) -> None:
    account_id = erasure.account_id
    erasure.counts["passkeys"] = len(
        await Passkey.delete().where(Passkey.account == account_id).returning(Passkey.id)
    )
    erasure.counts["sessions"] = len(
        await Session.delete().where(Session.account == account_id).returning(Session.id)
    )
    await OneTimeCode.delete().where(OneTimeCode.account == account_id)
    await Account.update(
        {
            # A new random handle: no passkey anywhere can name this account again.
            Account.user_handle: secrets.token_urlsafe(32),
            **national_ids.values(None),
            Account.full_name: "",
            Account.phone: "",
            Account.address: "",
            Account.disabled_at: dt.datetime.now(dt.UTC),
        }
    ).where(Account.id == account_id)


PART = PersonalData("accounts", export=_export, check=_check, erase=_erase)
