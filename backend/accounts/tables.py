"""Account, passkey, session, ceremony challenge and one-time code tables."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.catalog.tables import Agency

__all__ = ["Account", "Challenge", "OneTimeCode", "Passkey", "Session"]


class Account(Table, tablename="account"):
    """A person who signs in: a citizen, or a staff member (one role per account, so a civil
    servant's personal applications live in a separate citizen account)."""

    id = Serial(primary_key=True)
    user_handle = Varchar(
        length=64,
        unique=True,
        help_text="Random WebAuthn user id (base64url); never the ID number.",
    )
    role = Varchar(length=16, default="citizen", help_text="citizen, operator, officer or admin.")
    national_id_sealed = Text(
        null=True,
        default=None,
        help_text="The 13-digit ID number, encrypted (accounts.national_ids); never in clear.",
    )
    national_id_index = Varchar(
        length=64,
        null=True,
        default=None,
        unique=True,
        help_text="Keyed hash (HMAC) of the ID number: finds the account, one per number.",
    )
    full_name = Varchar(length=120)
    phone = Varchar(length=20, default="")
    address = Varchar(length=300, default="")
    language = Varchar(length=2, default="th")
    assurance = Varchar(
        length=24,
        default="self_asserted",
        help_text="self_asserted, verified_in_person or verified_digital_id.",
    )
    assurance_provider = Varchar(
        length=40, default="", help_text="Who verified: a digital-ID provider, or 'kiosk'."
    )
    assured_at = Timestamptz(null=True, default=None, help_text="When it was verified.")
    frozen_reason = Varchar(
        length=32,
        default="",
        help_text="Why the account was frozen (identity_disputed): it cannot act.",
    )
    disputed_national_id_sealed = Text(
        null=True,
        default=None,
        help_text="The ID number a frozen account claimed, after a verified person took it "
        "(encrypted).",
    )
    agency = ForeignKey(references=Agency, null=True, default=None, help_text="Officers only.")
    created_at = Timestamptz()
    disabled_at = Timestamptz(null=True, default=None)


class Passkey(Table, tablename="passkey"):
    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    credential_id = Varchar(
        length=700, unique=True, help_text="base64url of the raw credential id."
    )
    public_key = Bytea(help_text="COSE public key from the registration.")
    sign_count = BigInt(default=0)
    name = Varchar(length=60, default="")
    aaguid = Varchar(length=36, default="")
    multi_device = Boolean(default=False, help_text="Synced passkey (vs device-bound).")
    backed_up = Boolean(default=False)
    transports = Varchar(length=200, default="[]")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Session(Table, tablename="session"):
    """A browser session. The cookie holds a random token; only its SHA-256 is stored."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(
        references=Account,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        index=True,
        help_text="Null until sign-in (a ceremony-only session).",
    )
    role = Varchar(length=16, default="")
    csrf_token = Varchar(length=64)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(help_text="Absolute end, whatever the activity.")
    idle_timeout_s = Integer(help_text="Ends after this long without a request.")
    revoked_at = Timestamptz(null=True, default=None)
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=200, default="")
    passkey = ForeignKey(
        references=Passkey,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        index=True,
        help_text="The passkey that signed this session in: revoking it ends the session.",
    )


class Challenge(Table, tablename="webauthn_challenge"):
    """A WebAuthn challenge: single use, ≤ 5 minutes, bound to the session that asked for it."""

    id = Serial(primary_key=True)
    session = ForeignKey(references=Session, null=False, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=16, help_text="enrol, signin, add, recover or staff.")
    challenge = Varchar(length=128, help_text="base64url of the challenge bytes.")
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.cascade)
    data = Text(default="{}", help_text="JSON: what the ceremony creates when it succeeds.")
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class OneTimeCode(Table, tablename="one_time_code"):
    """Recovery codes (a citizen adds a passkey after an in-person check) and staff invitations."""

    id = Serial(primary_key=True)
    code_hash = Varchar(length=64, unique=True)
    purpose = Varchar(length=16, help_text="recovery or invitation.")
    account = ForeignKey(
        references=Account,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        help_text="Recovery: the citizen it is for.",
    )
    role = Varchar(length=16, default="", help_text="Invitation: the role it grants.")
    agency = ForeignKey(references=Agency, null=True, default=None)
    full_name = Varchar(length=120, default="")
    issued_by = ForeignKey(references=Account, null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
