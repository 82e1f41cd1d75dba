"""The citizen's consent to an assisted session: with their passkey on the kiosk, with a code
approved on their own phone, or in person; recorded with its scope on the session."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.auth import Need
from backend.accounts.events import AccountNotice
from backend.accounts.services.identity import set_verified
from backend.accounts.tables import Passkey
from backend.kiosk.assist import office, token_hash
from backend.kiosk.errors import (
    ApprovalRequiredError,
    ConsentCodeInvalidError,
    InPersonConsentRefusedError,
)
from backend.kiosk.services.approvals import take_approval
from backend.kiosk.services.assisted import Operator, current_assisted
from backend.kiosk.services.kiosks import short_code, utc_now
from backend.kiosk.services.limits import within_daily_limit
from backend.kiosk.tables import AssistedSession
from backend.lib import webauthn
from backend.lib.db import write_transaction
from backend.lib.errors import (
    ConflictError,
    ValidationFailedError,
)
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check
from backend.system.registry import publish

PHONE_CONSENT_TTL = dt.timedelta(minutes=5)


CONSENT_SCOPE: tuple[Need, ...] = ("browse", "apply", "documents", "answer", "status")
"""What a citizen allows an operator to do for them in one assisted session."""


PHONE_APPROVE = Limit("kiosk-consent:account", 10, 600)


async def _record_consent(
    operator: Operator,
    assisted: dict[str, Any],
    method: str,
    approval: dict[str, Any] | None = None,
) -> None:
    await AssistedSession.update(
        {
            AssistedSession.consent_method: method,
            AssistedSession.consent_at: utc_now(),
            AssistedSession.consent_scope: json.dumps(list(CONSENT_SCOPE)),
            AssistedSession.consent_code_hash: None,
            AssistedSession.last_activity_at: utc_now(),
        }
    ).where(AssistedSession.id == assisted["id"])
    await record(
        "assisted.consent",
        operator.actor,
        subject_account_id=assisted["citizen"],
        object_type="assisted_session",
        object_id=assisted["id"],
        detail={
            "method": method,
            "scope": list(CONSENT_SCOPE),
            **(
                {"approver_id": approval["approver"], "reason": approval["reason"]}
                if approval
                else {}
            ),
        },
    )
    await publish(
        AccountNotice(
            account_id=assisted["citizen"],
            what="assisted_consent_overridden" if approval else "assisted_consented",
            where=await office(operator.kiosk_id),
        )
    )


async def consent_in_person(
    operator: Operator, settings: Settings, *, id_card_checked: bool
) -> None:
    """For a citizen with neither passkey nor phone: the operator records that they checked
    the ID card and the citizen agreed aloud. A citizen who can consent themselves (an active
    passkey: on this kiosk, or by approving on their phone) is refused, 409 with those ways,
    unless a supervisor approved the exception with their own passkey and a reason."""
    if not id_card_checked:
        raise ValidationFailedError(
            fields={
                "id_card_checked": {
                    "en": "Check the citizen's ID card first.",
                    "th": "กรุณาตรวจบัตรประชาชนก่อน",
                }
            }
        )
    await within_daily_limit(operator.actor, operator.kiosk_id, "in_person_consent", settings)
    async with write_transaction():
        assisted = await current_assisted(operator)
        approval, method = None, "in_person_id_check"
        if assisted["has_passkey"]:
            try:
                approval = await take_approval(assisted["id"], "in_person_consent")
            except ApprovalRequiredError as exc:
                raise InPersonConsentRefusedError() from exc
            method = "in_person_override"
        await AssistedSession.update({AssistedSession.id_card_checked: True}).where(
            AssistedSession.id == assisted["id"]
        )
        await _record_consent(operator, assisted, method, approval)


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
        if assisted["id_card_checked"] and assisted["citizen_assurance"] == "self_asserted":
            # The card's holder signed with the account's passkey: the account is theirs.
            await set_verified(
                int(assisted["citizen"]),
                operator.actor,
                assurance="verified_in_person",
                provider="kiosk",
                detail={"kiosk": operator.kiosk_id, "with_passkey": True},
            )


async def phone_consent_code(operator: Operator) -> tuple[str, dt.datetime]:
    """A short code (shown as a QR) the citizen opens in the app on their own phone."""
    assisted = await current_assisted(operator)
    code = short_code(8)
    expires = utc_now() + PHONE_CONSENT_TTL
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
            or row["consent_code_expires_at"] <= utc_now()
        ):
            raise ConsentCodeInvalidError()
        await AssistedSession.update(
            {
                AssistedSession.consent_method: "phone_approval",
                AssistedSession.consent_at: utc_now(),
                AssistedSession.consent_scope: json.dumps(list(CONSENT_SCOPE)),
                AssistedSession.consent_code_hash: None,
                AssistedSession.last_activity_at: utc_now(),
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
        await publish(
            AccountNotice(
                account_id=citizen.account_id,
                what="assisted_consented",
                where=await office(row["kiosk"]),
            )
        )
