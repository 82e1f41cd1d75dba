"""The person at the counter, ID card checked, holds the number of a self-asserted account
they cannot sign in to (someone enrolled with their number): the number becomes theirs, in a
new account verified in person, and the other account is frozen. An operator may not do it
alone: a second staff member approves it with their passkey (four eyes, both in the audit)."""

from __future__ import annotations

import secrets

from backend.accounts.services.identity import take_number
from backend.accounts.tables import Account
from backend.kiosk.assist import office
from backend.kiosk.services.approvals import take_approval
from backend.kiosk.services.assisted import Operator, current_assisted
from backend.kiosk.services.kiosks import utc_now
from backend.kiosk.services.limits import within_daily_limit
from backend.kiosk.tables import AssistedSession
from backend.lib import webauthn
from backend.lib.db import write_transaction
from backend.lib.errors import ConflictError, ValidationFailedError
from backend.settings import Settings
from backend.system.audit import record

__all__ = ["claim_identity"]


async def claim_identity(operator: Operator, full_name: str, settings: Settings) -> int:
    """Returns the new account's id; the assisted session now serves it (consent anew)."""
    if not 2 <= len(full_name.strip()) <= 120:
        raise ValidationFailedError(
            fields={"full_name": {"en": "Enter the name on the ID card.", "th": "กรอกชื่อตามบัตร"}}
        )
    await within_daily_limit(operator.actor, operator.kiosk_id, "identity_claim", settings)
    async with write_transaction():
        assisted = await current_assisted(operator)
        if not assisted["id_card_checked"]:
            raise ValidationFailedError(
                fields={
                    "id_card_checked": {
                        "en": "Check the citizen's ID card first.",
                        "th": "กรุณาตรวจบัตรประชาชนก่อน",
                    }
                }
            )
        if assisted["citizen_assurance"] != "self_asserted":
            raise ConflictError(
                "This account's identity is verified: it is the citizen's own. Recover it.",
                "บัญชีนี้ยืนยันตัวตนแล้ว เป็นบัญชีของประชาชนเอง กรุณาช่วยกู้คืนบัญชีแทน",
                code="identity_verified_already",
            )
        approval = await take_approval(assisted["id"], "identity_claim")
        national_id = str(assisted["citizen_national_id"])
        account = Account(
            user_handle=webauthn.b64url(secrets.token_bytes(32)),
            role="citizen",
            full_name=full_name.strip(),
            assurance="verified_in_person",
            assurance_provider="kiosk",
            assured_at=utc_now(),
            created_at=utc_now(),
        )
        await account.save()
        new_id = int(account.id)
        await AssistedSession.update(
            {
                AssistedSession.citizen: new_id,
                AssistedSession.consent_method: "",
                AssistedSession.consent_at: None,
                AssistedSession.consent_scope: "[]",
                AssistedSession.last_activity_at: utc_now(),
            }
        ).where(AssistedSession.id == assisted["id"])
        await record(
            "account.enrolled",
            operator.actor,
            subject_account_id=new_id,
            object_type="account",
            object_id=new_id,
            detail={"assurance": "verified_in_person", "at_kiosk": True},
        )
        await take_number(
            national_id,
            new_id,
            operator.actor,
            how="kiosk",
            detail={"approver_id": approval["approver"], "reason": approval["reason"]},
            where=await office(operator.kiosk_id),
        )
    return new_id
