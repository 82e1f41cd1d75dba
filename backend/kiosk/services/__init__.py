"""Registering kiosks, starting assisted sessions, recording consent, finishing.

The rules (issue 8): an operator acts only inside an active assisted session with recorded
consent, only for that citizen, only from the registered kiosk that started it. Every step
is audited as "operator X at kiosk K for citizen Y".
"""

from __future__ import annotations

from backend.kiosk.services.approvals import approval_options, approve
from backend.kiosk.services.assisted import (
    Operator,
    check_id_card,
    current_assisted,
    finish,
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
from backend.kiosk.services.limits import alerts
from backend.kiosk.services.recovery import recovery_code

__all__ = [
    "ACTIVATION_TTL",
    "CONSENT_SCOPE",
    "Operator",
    "activate",
    "alerts",
    "approval_options",
    "approve",
    "approve_on_phone",
    "check_id_card",
    "consent_in_person",
    "consent_passkey_options",
    "consent_with_passkey",
    "current_assisted",
    "finish",
    "kiosk_info",
    "new_activation_code",
    "phone_consent_code",
    "recovery_code",
    "register_kiosk",
    "revoke_kiosk",
    "start_assisted",
]
