"""Passkey ceremonies, passkey management, recovery codes and staff invitations.

Every ceremony has two steps: `*_options` stores a challenge bound to the caller's session and
returns browser options; the second step takes that challenge exactly once, verifies the
browser's answer with backend.lib.webauthn, and writes the result and its audit entry in one
transaction.
"""

from __future__ import annotations

from backend.accounts.services.ceremonies import (
    CHALLENGE_TTL,
    Ceremony,
    Limits,
    SignedIn,
    refuse_without_session,
    store_challenge,
)
from backend.accounts.services.codes import CODE_ALPHABET
from backend.accounts.services.enrolment import begin_enrol, finish_enrol
from backend.accounts.services.invitations import (
    begin_invitation,
    finish_invitation,
    issue_invitation,
)
from backend.accounts.services.passkeys import (
    begin_add_passkey,
    finish_add_passkey,
    list_passkeys,
    rename_passkey,
    revoke_passkey,
)
from backend.accounts.services.profile import account_out, profile, update_profile
from backend.accounts.services.recovery import (
    RECOVERY_TTL,
    begin_recovery,
    finish_recovery,
    issue_recovery_code,
)
from backend.accounts.services.security import end_sessions, list_sessions, secure_account
from backend.accounts.services.signin import (
    begin_signin,
    begin_staff_check,
    finish_signin,
    finish_staff_check,
    verify_for_account,
)

__all__ = [
    "CHALLENGE_TTL",
    "CODE_ALPHABET",
    "RECOVERY_TTL",
    "Ceremony",
    "Limits",
    "SignedIn",
    "account_out",
    "begin_add_passkey",
    "begin_enrol",
    "begin_invitation",
    "begin_recovery",
    "begin_signin",
    "begin_staff_check",
    "end_sessions",
    "finish_add_passkey",
    "finish_enrol",
    "finish_invitation",
    "finish_recovery",
    "finish_signin",
    "finish_staff_check",
    "issue_invitation",
    "issue_recovery_code",
    "list_passkeys",
    "list_sessions",
    "profile",
    "refuse_without_session",
    "rename_passkey",
    "revoke_passkey",
    "secure_account",
    "store_challenge",
    "update_profile",
    "verify_for_account",
]
