"""Assisted sessions: an operator at an activated kiosk serves one citizen (found, or enrolled
on the spot), then finishes; every step is audited as operator X at kiosk K for citizen
Y."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from backend.accounts import national_ids
from backend.accounts.events import AccountNotice
from backend.accounts.services.identity import set_verified
from backend.accounts.tables import Account, Passkey
from backend.kiosk.assist import ASSISTED_IDLE, end_assisted, office
from backend.kiosk.errors import (
    NoAssistedSessionError,
)
from backend.kiosk.services.kiosks import utc_now
from backend.kiosk.services.limits import within_daily_limit
from backend.kiosk.tables import AssistedSession
from backend.lib import webauthn
from backend.lib.db import write_transaction
from backend.lib.errors import (
    NotFoundError,
    ValidationFailedError,
)
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.registry import publish


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator's request at a kiosk: who, which session, which kiosk."""

    account_id: int
    session_id: int
    kiosk_id: int
    actor: Actor


async def _find_or_enrol_citizen(
    operator: Operator,
    national_id: str,
    full_name: str | None,
    phone: str,
    id_card_checked: bool,
) -> int:
    account = (
        await Account.select(Account.id, Account.role, Account.assurance)
        .where(national_ids.held_by(national_id))
        .first()
    )
    if account is not None:
        if account["role"] != "citizen":
            raise NotFoundError(
                "No citizen account has this ID number.",
                "ไม่พบบัญชีประชาชนของเลขประจำตัวนี้",
                code="account_not_found",
            )
        # A self-asserted account with a passkey may be someone else's (a squatter's): the
        # card proves the person, not the account. They prove it is theirs by consenting
        # with its passkey (then it is verified), or the number is claimed for them.
        has_passkey = await Passkey.exists().where(
            (Passkey.account == account["id"]) & Passkey.revoked_at.is_null()
        )
        if id_card_checked and account["assurance"] == "self_asserted" and not has_passkey:
            await set_verified(
                int(account["id"]),
                operator.actor,
                assurance="verified_in_person",
                provider="kiosk",
                detail={"kiosk": operator.kiosk_id},
            )
        return int(account["id"])
    if not full_name or not id_card_checked:
        raise NotFoundError(
            "No account has this ID number. To enrol the citizen, check their ID card and give "
            "their full name.",
            "ไม่พบบัญชีของเลขประจำตัวนี้ หากต้องการสมัครให้ กรุณาตรวจบัตรประชาชนและกรอกชื่อ-นามสกุล",
            code="account_not_found",
        )
    # A citizen with no phone: an account without a passkey, verified by the operator.
    account_row = Account(
        user_handle=webauthn.b64url(secrets.token_bytes(32)),
        role="citizen",
        full_name=full_name.strip(),
        phone=phone,
        assurance="verified_in_person",
        assurance_provider="kiosk",
        assured_at=utc_now(),
        created_at=utc_now(),
    )
    await account_row.save()
    await Account.update(national_ids.values(national_id)).where(Account.id == account_row.id)
    await record(
        "account.enrolled",
        operator.actor,
        subject_account_id=account_row.id,
        object_type="account",
        object_id=account_row.id,
        detail={"assurance": "verified_in_person", "at_kiosk": True},
    )
    return int(account_row.id)


async def start_assisted(
    operator: Operator,
    *,
    national_id: str,
    full_name: str | None,
    phone: str,
    id_card_checked: bool,
    settings: Settings,
) -> int:
    """Open an assisted session for one citizen (found by ID number, or enrolled now). Any
    earlier session of this operator at this kiosk ends: one citizen at a time."""
    national_id = national_ids.normalise(national_id)
    phone = phone.replace("-", "").replace(" ", "")
    fields: dict[str, dict[str, str]] = {}
    if not is_valid_thai_id(national_id):
        fields["national_id"] = {
            "en": "Enter a valid 13-digit ID number.",
            "th": "กรอกเลขประจำตัวประชาชน 13 หลักให้ถูกต้อง",
        }
    if phone and not (phone.isdigit() and len(phone) in (9, 10) and phone.startswith("0")):
        fields["phone"] = {"en": "Enter a Thai phone number.", "th": "กรอกเบอร์โทรศัพท์ให้ถูกต้อง"}
    if fields:
        raise ValidationFailedError(fields=fields)
    if id_card_checked:
        await within_daily_limit(operator.actor, operator.kiosk_id, "id_card_check", settings)
    async with write_transaction():
        await end_assisted(
            AssistedSession.operator_session == operator.session_id,
            "replaced",
            ip=operator.actor.ip,
        )
        citizen_id = await _find_or_enrol_citizen(
            operator, national_id, full_name, phone, id_card_checked
        )
        row = AssistedSession(
            kiosk=operator.kiosk_id,
            operator=operator.account_id,
            operator_session=operator.session_id,
            citizen=citizen_id,
            started_at=utc_now(),
            last_activity_at=utc_now(),
            id_card_checked=id_card_checked,
        )
        await row.save()
        await record(
            "assisted.started",
            operator.actor,
            subject_account_id=citizen_id,
            object_type="assisted_session",
            object_id=row.id,
            detail={"id_card_checked": id_card_checked},
        )
        await publish(
            AccountNotice(
                account_id=citizen_id,
                what="assisted_opened",
                where=await office(operator.kiosk_id),
            )
        )
    return int(row.id)


async def current_assisted(operator: Operator) -> dict[str, Any]:
    """The operator's open assisted session at this kiosk (ending it if idle too long)."""
    row = (
        await AssistedSession.select(
            *AssistedSession.all_columns(),
            AssistedSession.citizen.full_name.as_alias("citizen_name"),
            AssistedSession.citizen.national_id_sealed.as_alias("citizen_national_id"),
            AssistedSession.citizen.assurance.as_alias("citizen_assurance"),
        )
        .where(
            (AssistedSession.operator_session == operator.session_id)
            & (AssistedSession.kiosk == operator.kiosk_id)
            & AssistedSession.ended_at.is_null()
        )
        .order_by(AssistedSession.id, ascending=False)
        .first()
    )
    if row is None:
        raise NoAssistedSessionError()
    if utc_now() - row["last_activity_at"] > ASSISTED_IDLE:
        await end_assisted(AssistedSession.id == row["id"], "timeout", ip=operator.actor.ip)
        raise NoAssistedSessionError()
    row["citizen_national_id"] = national_ids.open_id(row["citizen_national_id"])
    row["has_passkey"] = await Passkey.exists().where(
        (Passkey.account == row["citizen"]) & Passkey.revoked_at.is_null()
    )
    return dict(row)


async def finish(operator: Operator, reason: str = "finished") -> None:
    """End the operator's open assisted session: "finished", or "timeout" when the kiosk's
    own 3-minute timer ran out. Already ended (the server saw the timeout first): nothing to
    do, finishing twice is fine."""
    await end_assisted(
        AssistedSession.operator_session == operator.session_id, reason, ip=operator.actor.ip
    )


async def check_id_card(operator: Operator, settings: Settings) -> None:
    """The operator checked the ID card of the citizen in front of them, in this session."""
    await within_daily_limit(operator.actor, operator.kiosk_id, "id_card_check", settings)
    async with write_transaction():
        assisted = await current_assisted(operator)
        await AssistedSession.update({AssistedSession.id_card_checked: True}).where(
            AssistedSession.id == assisted["id"]
        )
        await record(
            "assisted.id_card_checked",
            operator.actor,
            subject_account_id=assisted["citizen"],
            object_type="assisted_session",
            object_id=assisted["id"],
        )
