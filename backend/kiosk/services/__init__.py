"""Registering kiosks, starting assisted sessions, recording consent, finishing.

The rules (issue 8): an operator acts only inside an active assisted session with recorded
consent, only for that citizen, only from the registered kiosk that started it. Every step
is audited as "operator X at kiosk K for citizen Y".
"""

from __future__ import annotations

from backend.kiosk.services.assisted import (
    Operator,
    current_assisted,
    finish,
    masked_id,
    start_assisted,
)
from backend.kiosk.services.consent import (
    CONSENT_SCOPE,
    approve_on_phone,
    consent_in_person,
    consent_passkey_options,
    consent_with_passkey,
    phone_consent_code,
)
from backend.kiosk.services.kiosks import (
    ACTIVATION_TTL,
    activate,
    kiosk_info,
    new_activation_code,
    register_kiosk,
    revoke_kiosk,
)

__all__ = [
    "ACTIVATION_TTL",
    "CONSENT_SCOPE",
    "Operator",
    "activate",
    "approve_on_phone",
    "consent_in_person",
    "consent_passkey_options",
    "consent_with_passkey",
    "current_assisted",
    "finish",
    "kiosk_info",
    "masked_id",
    "new_activation_code",
    "phone_consent_code",
    "register_kiosk",
    "revoke_kiosk",
    "start_assisted",
]
