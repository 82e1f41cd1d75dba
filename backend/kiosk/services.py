"""Registering kiosks, starting assisted sessions, recording consent, finishing.

The rules (issue 8): an operator acts only inside an active assisted session with recorded
consent, only for that citizen, only from the registered kiosk that started it. Every step
is audited as "operator X at kiosk K for citizen Y".
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.errors import CodeInvalidError
from backend.accounts.tables import Account, Passkey
from backend.kiosk.assist import ASSISTED_IDLE, end_assisted, token_hash
from backend.kiosk.tables import AssistedSession, Kiosk
from backend.lib import webauthn
from backend.lib.db import write_transaction
from backend.lib.errors import (
    AuthorizationError,
    ClientError,
    ConflictError,
    NotFoundError,
    ValidationFailedError,
)
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

__all__ = [
    "ACTIVATION_TTL",
    "CONSENT_SCOPE",
    "KioskRequiredError",
    "activate",
    "approve_on_phone",
    "consent_in_person",
    "consent_passkey_options",
    "consent_with_passkey",
    "current_assisted",
    "finish",
    "phone_consent_code",
    "register_kiosk",
    "start_assisted",
]

ACTIVATION_TTL = dt.timedelta(hours=24)
PHONE_CONSENT_TTL = dt.timedelta(minutes=5)
CONSENT_SCOPE = ("browse", "apply", "documents", "answer", "status")
"""What a citizen allows an operator to do for them in one assisted session."""

ACTIVATE_IP = Limit("kiosk-activate:ip", 10, 3600)
PHONE_APPROVE = Limit("kiosk-consent:account", 10, 600)


class KioskRequiredError(AuthorizationError):
    code = "kiosk_required"
    message_en = "This can only be done at a registered kiosk."
    message_th = "ทำรายการนี้ได้เฉพาะที่เครื่องบริการที่ลงทะเบียนแล้ว"


class NoAssistedSessionError(ConflictError):
    code = "no_assisted_session"
    message_en = "There is no assisted session in progress. Start one for the citizen first."
    message_th = "ยังไม่มีการให้บริการประชาชนที่เปิดอยู่ กรุณาเริ่มให้บริการก่อน"


class ConsentCodeInvalidError(ClientError):
    code = "consent_code_invalid"
    message_en = "This approval code is wrong or expired. Ask the officer to show a new one."
    message_th = "รหัสยืนยันไม่ถูกต้องหรือหมดอายุ กรุณาขอให้เจ้าหน้าที่แสดงรหัสใหม่"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _code(length: int) -> str:
    return "".join(secrets.choice(accounts.CODE_ALPHABET) for _ in range(length))


def masked_id(national_id: str | None) -> str:
    """What a kiosk screen shows of an ID number: enough to confirm, not enough to copy."""
    if not national_id:
        return ""
    return f"{national_id[0]}-xxxx-xxxxx-{national_id[10:12]}-{national_id[12]}"


# --- Devices -----------------------------------------------------------------------------


async def register_kiosk(
    actor: Actor, *, name: str, district: str, province: str
) -> tuple[int, str, dt.datetime]:
    """A new kiosk and its one-time activation code (valid 24 h)."""
    code = _code(12)
    expires = _now() + ACTIVATION_TTL
    async with write_transaction():
        kiosk = Kiosk(
            name=name.strip(),
            district=district.strip(),
            province=province.strip(),
            created_at=_now(),
            created_by=actor.account_id,
            activation_code_hash=token_hash(code),
            activation_expires_at=expires,
        )
        await kiosk.save()
        await record(
            "kiosk.registered",
            actor,
            object_type="kiosk",
            object_id=kiosk.id,
            detail={"name": kiosk.name},
        )
    return int(kiosk.id), code, expires


async def new_activation_code(actor: Actor, kiosk_id: int) -> tuple[str, dt.datetime]:
    """Re-issue an activation code (a kiosk's browser was reset); the old device is forgotten."""
    code = _code(12)
    expires = _now() + ACTIVATION_TTL
    updated = (
        await Kiosk.update(
            {
                Kiosk.activation_code_hash: token_hash(code),
                Kiosk.activation_expires_at: expires,
                Kiosk.device_token_hash: None,
            }
        )
        .where((Kiosk.id == kiosk_id) & Kiosk.revoked_at.is_null())
        .returning(Kiosk.id)
    )
    if not updated:
        raise NotFoundError("Kiosk not found.", "ไม่พบเครื่องบริการ", code="kiosk_not_found")
    await record("kiosk.activation_reissued", actor, object_type="kiosk", object_id=kiosk_id)
    return code, expires


async def revoke_kiosk(actor: Actor, kiosk_id: int) -> None:
    async with write_transaction():
        updated = (
            await Kiosk.update({Kiosk.revoked_at: _now()})
            .where((Kiosk.id == kiosk_id) & Kiosk.revoked_at.is_null())
            .returning(Kiosk.id)
        )
        if not updated:
            raise NotFoundError("Kiosk not found.", "ไม่พบเครื่องบริการ", code="kiosk_not_found")
        # Each citizen served there reads in their own log that the visit ended.
        await end_assisted(AssistedSession.kiosk == kiosk_id, "kiosk_revoked")
        await record("kiosk.revoked", actor, object_type="kiosk", object_id=kiosk_id)


async def activate(ip: str, code: str) -> tuple[dict[str, Any], str]:
    """Turn this browser into the kiosk the code belongs to; returns (kiosk, device token)."""
    await check([(ACTIVATE_IP, ip)])
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        row = (
            await Kiosk.select()
            .where(
                (Kiosk.activation_code_hash == token_hash(normalized)) & Kiosk.revoked_at.is_null()
            )
            .first()
        )
        if (
            row is None
            or row["activation_expires_at"] is None
            or (row["activation_expires_at"] <= _now())
        ):
            raise CodeInvalidError()
        await Kiosk.update(
            {
                Kiosk.device_token_hash: token_hash(token),
                Kiosk.activated_at: _now(),
                Kiosk.activation_code_hash: None,
                Kiosk.activation_expires_at: None,
            }
        ).where(Kiosk.id == row["id"])
        await record(
            "kiosk.activated",
            Actor(account_id=None, role="", ip=ip, kiosk_id=row["id"]),
            object_type="kiosk",
            object_id=row["id"],
        )
    return dict(row), token


async def kiosk_info(kiosk_id: int) -> dict[str, Any]:
    row = (
        await Kiosk.select(Kiosk.id, Kiosk.name, Kiosk.district, Kiosk.province)
        .where(Kiosk.id == kiosk_id)
        .first()
    )
    if row is None:
        raise KioskRequiredError()
    return dict(row)


# --- Assisted sessions ----------------------------------------------------------------------


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
        .where(Account.national_id == national_id)
        .first()
    )
    if account is not None:
        if account["role"] != "citizen":
            raise NotFoundError(
                "No citizen account has this ID number.",
                "ไม่พบบัญชีประชาชนของเลขประจำตัวนี้",
                code="account_not_found",
            )
        if id_card_checked and account["assurance"] != "verified_in_person":
            await Account.update({Account.assurance: "verified_in_person"}).where(
                Account.id == account["id"]
            )
            await record(
                "account.verified_in_person",
                operator.actor,
                subject_account_id=account["id"],
                object_type="account",
                object_id=account["id"],
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
        national_id=national_id,
        full_name=full_name.strip(),
        phone=phone,
        assurance="verified_in_person",
        created_at=_now(),
    )
    await account_row.save()
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
) -> int:
    """Open an assisted session for one citizen (found by ID number, or enrolled now). Any
    earlier session of this operator at this kiosk ends: one citizen at a time."""
    national_id = national_id.replace("-", "").replace(" ", "")
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
            started_at=_now(),
            last_activity_at=_now(),
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
    return int(row.id)


async def current_assisted(operator: Operator) -> dict[str, Any]:
    """The operator's open assisted session at this kiosk (ending it if idle too long)."""
    row = (
        await AssistedSession.select(
            *AssistedSession.all_columns(),
            AssistedSession.citizen.full_name.as_alias("citizen_name"),
            AssistedSession.citizen.national_id.as_alias("citizen_national_id"),
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
    if _now() - row["last_activity_at"] > ASSISTED_IDLE:
        await end_assisted(AssistedSession.id == row["id"], "timeout", ip=operator.actor.ip)
        raise NoAssistedSessionError()
    row["has_passkey"] = await Passkey.exists().where(
        (Passkey.account == row["citizen"]) & Passkey.revoked_at.is_null()
    )
    return dict(row)


async def _record_consent(operator: Operator, assisted: dict[str, Any], method: str) -> None:
    await AssistedSession.update(
        {
            AssistedSession.consent_method: method,
            AssistedSession.consent_at: _now(),
            AssistedSession.consent_scope: json.dumps(list(CONSENT_SCOPE)),
            AssistedSession.consent_code_hash: None,
            AssistedSession.last_activity_at: _now(),
        }
    ).where(AssistedSession.id == assisted["id"])
    await record(
        "assisted.consent",
        operator.actor,
        subject_account_id=assisted["citizen"],
        object_type="assisted_session",
        object_id=assisted["id"],
        detail={"method": method, "scope": list(CONSENT_SCOPE)},
    )


async def consent_in_person(operator: Operator, *, id_card_checked: bool) -> None:
    """For a citizen with neither passkey nor phone: the operator records that they checked
    the ID card and the citizen agreed aloud."""
    if not id_card_checked:
        raise ValidationFailedError(
            fields={
                "id_card_checked": {
                    "en": "Check the citizen's ID card first.",
                    "th": "กรุณาตรวจบัตรประชาชนก่อน",
                }
            }
        )
    async with write_transaction():
        assisted = await current_assisted(operator)
        await AssistedSession.update({AssistedSession.id_card_checked: True}).where(
            AssistedSession.id == assisted["id"]
        )
        await _record_consent(operator, assisted, "in_person_id_check")


async def consent_passkey_options(operator: Operator, settings: Settings) -> dict[str, Any]:
    """The citizen confirms with their own passkey on the kiosk (e.g. a security key)."""
    assisted = await current_assisted(operator)
    rows = await Passkey.select(Passkey.credential_id).where(
        (Passkey.account == assisted["citizen"]) & Passkey.revoked_at.is_null()
    )
    if not rows:
        raise ConflictError(
            "This citizen has no passkey; use another way to consent.",
            "ประชาชนยังไม่มีพาสคีย์ กรุณาใช้วิธียินยอมอื่น",
            code="no_passkey",
        )
    allow = [webauthn.b64url_decode(r["credential_id"]) for r in rows]
    options, challenge = webauthn.authentication_options(
        rp_id=settings.effective_rp_id, allow=allow
    )
    ceremony = accounts.Ceremony(operator.session_id, operator.actor)
    await accounts.store_challenge(
        ceremony, "consent", challenge, account_id=int(assisted["citizen"])
    )
    return options


async def consent_with_passkey(operator: Operator, settings: Settings, credential: Any) -> None:
    assisted = await current_assisted(operator)
    ceremony = accounts.Ceremony(operator.session_id, operator.actor)
    await accounts.verify_for_account(
        ceremony, settings, credential, "consent", int(assisted["citizen"])
    )
    async with write_transaction():
        await _record_consent(operator, assisted, "citizen_passkey")


async def phone_consent_code(operator: Operator) -> tuple[str, dt.datetime]:
    """A short code (shown as a QR) the citizen opens in the app on their own phone."""
    assisted = await current_assisted(operator)
    code = _code(8)
    expires = _now() + PHONE_CONSENT_TTL
    await AssistedSession.update(
        {
            AssistedSession.consent_code_hash: token_hash(code),
            AssistedSession.consent_code_expires_at: expires,
        }
    ).where(AssistedSession.id == assisted["id"])
    return code, expires


async def approve_on_phone(citizen: Actor, code: str) -> None:
    """The signed-in citizen approves, on their own phone, the assisted session showing `code`.
    Only the citizen the session is for can approve it."""
    assert citizen.account_id is not None
    await check([(PHONE_APPROVE, str(citizen.account_id))])
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    async with write_transaction():
        row = (
            await AssistedSession.select()
            .where(
                (AssistedSession.consent_code_hash == token_hash(normalized))
                & AssistedSession.ended_at.is_null()
            )
            .first()
        )
        if (
            row is None
            or row["citizen"] != citizen.account_id
            or row["consent_code_expires_at"] is None
            or row["consent_code_expires_at"] <= _now()
        ):
            raise ConsentCodeInvalidError()
        await AssistedSession.update(
            {
                AssistedSession.consent_method: "phone_approval",
                AssistedSession.consent_at: _now(),
                AssistedSession.consent_scope: json.dumps(list(CONSENT_SCOPE)),
                AssistedSession.consent_code_hash: None,
                AssistedSession.last_activity_at: _now(),
            }
        ).where(AssistedSession.id == row["id"])
        await record(
            "assisted.consent",
            citizen,
            subject_account_id=citizen.account_id,
            object_type="assisted_session",
            object_id=row["id"],
            detail={
                "method": "phone_approval",
                "scope": list(CONSENT_SCOPE),
                "kiosk_id": row["kiosk"],
                "operator_id": row["operator"],
            },
        )


async def finish(operator: Operator, reason: str = "finished") -> None:
    """End the operator's open assisted session: "finished", or "timeout" when the kiosk's
    own 3-minute timer ran out. Already ended (the server saw the timeout first): nothing to
    do, finishing twice is fine."""
    await end_assisted(
        AssistedSession.operator_session == operator.session_id, reason, ip=operator.actor.ip
    )
