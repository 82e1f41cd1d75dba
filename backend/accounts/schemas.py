"""Accounts request/response types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.lib.schema import Struct

__all__ = [
    "AccountOut",
    "CeremonyOptions",
    "CodeOut",
    "CodeStart",
    "CredentialIn",
    "EnrolStart",
    "InvitationCreate",
    "PasskeyOut",
    "PasskeyRename",
    "Profile",
    "ProfileUpdate",
    "RecoveryIssue",
    "Role",
    "Secured",
    "SessionEntry",
    "SessionOut",
    "SigninStart",
    "StaffRole",
]

NationalId = Annotated[str, msgspec.Meta(min_length=13, max_length=17)]


Role = Literal["citizen", "operator", "officer", "admin"]
"""Who an account is: one role per account (a civil servant who is also a citizen has two)."""

StaffRole = Literal["operator", "officer", "admin"]
"""The roles staff are invited to."""


class EnrolStart(Struct):
    national_id: NationalId
    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    language: Literal["th", "en"] = "th"


class SigninStart(Struct):
    national_id: NationalId | None = None
    """Fallback for browsers without discoverable passkeys: offer this account's passkeys."""


class CredentialIn(Struct):
    credential: dict[str, Any]
    """The browser's `PublicKeyCredential.toJSON()`."""
    name: Annotated[str, msgspec.Meta(max_length=60)] = ""
    """A name for a new passkey (e.g. "My phone")."""


class CodeStart(Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=40)]


class CeremonyOptions(Struct):
    public_key: dict[str, Any]
    """Pass to `PublicKeyCredential.parseCreationOptionsFromJSON` / `…RequestOptionsFromJSON`."""


class AccountOut(Struct):
    id: int
    full_name: str
    role: Role
    language: str
    assurance: str
    agency: str | None = None


class SessionOut(Struct):
    authenticated: bool
    csrf_token: str | None = None
    account: AccountOut | None = None
    idle_timeout_s: int | None = None
    expires_at: dt.datetime | None = None


class PasskeyOut(Struct):
    id: int
    name: str
    created_at: dt.datetime
    multi_device: bool
    last_used_at: dt.datetime | None = None


class SessionEntry(Struct):
    """A signed-in session of mine: which browser, since when, with which passkey."""

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    user_agent: str
    passkey: str
    """The passkey's name ("" if unknown)."""
    current: bool
    """This browser's session."""


class Secured(Struct):
    """What "end everything else" ended: every other session, every other passkey."""

    sessions_ended: int
    passkeys_revoked: int


class PasskeyRename(Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class RecoveryIssue(Struct):
    national_id: NationalId


class InvitationCreate(Struct):
    role: StaffRole
    full_name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
    agency: str | None = None


class CodeOut(Struct):
    code: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class Profile(Struct):
    """What the portal knows about a citizen, used to prefill forms."""

    full_name: str
    national_id: str | None
    phone: str
    address: str
    language: str
    assurance: str
    """self_asserted, verified_in_person or verified_digital_id."""
    assurance_provider: str = ""
    """How it was verified: the digital ID's name (e.g. ThaiD), or "kiosk"."""
    assured_at: dt.datetime | None = None


class ProfileUpdate(Struct):
    phone: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    address: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    language: Literal["th", "en"] | None = None
