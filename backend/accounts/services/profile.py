"""The citizen's own profile: read and change contact details and language."""

from __future__ import annotations

from typing import Any

from backend.accounts.events import AccountNotice
from backend.accounts.national_ids import open_id
from backend.accounts.schemas import AccountOut, Profile
from backend.accounts.tables import Account
from backend.lib.db import transaction
from backend.lib.errors import NotFoundError, ValidationFailedError
from backend.lib.text import clean_text
from backend.system.audit import Actor, record
from backend.system.registry import publish


async def profile(account_id: int) -> Profile:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise NotFoundError()
    return Profile(
        full_name=row["full_name"],
        national_id=open_id(row["national_id_sealed"]),
        phone=row["phone"],
        address=row["address"],
        language=row["language"],
        assurance=row["assurance"],
        assurance_provider=row["assurance_provider"],
        assured_at=row["assured_at"],
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
        cleaned = clean_text(address.strip(), multiline=True)
        if cleaned is None:
            raise ValidationFailedError(
                fields={
                    "address": {
                        "en": "Use letters, digits and punctuation only in the address.",
                        "th": "ที่อยู่ใช้ได้เฉพาะตัวอักษร ตัวเลข และเครื่องหมายวรรคตอน",
                    }
                }
            )
        values[Account.address] = cleaned
    if language is not None:
        values[Account.language] = language
    if not values:
        return
    async with transaction():
        await Account.update(values).where(Account.id == account_id)
        await record(
            "account.profile_updated",
            actor,
            subject_account_id=account_id,
            object_type="account",
            object_id=account_id,
            detail={"fields": sorted(str(k._meta.name) for k in values)},
        )
        if phone is not None or address is not None:
            await publish(AccountNotice(account_id=account_id, what="contact_changed"))


async def account_out(account_id: int) -> AccountOut:
    """Who a session belongs to, as the session answer shows it."""
    row = (
        await Account.select(
            Account.id,
            Account.full_name,
            Account.role,
            Account.language,
            Account.assurance,
            Account.agency.code.as_alias("agency_code"),
        )
        .where(Account.id == account_id)
        .first()
    )
    assert row is not None
    return AccountOut(
        id=row["id"],
        full_name=row["full_name"],
        role=row["role"],
        language=row["language"],
        assurance=row["assurance"],
        agency=row["agency_code"],
    )
