"""What the accounts domain announces, for other domains to listen to (see system.registry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from backend.system.audit import Actor

__all__ = ["AccountNotice", "IdentityDisputed", "Notice", "SignedOut"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedOut:
    """A session ended by its holder (`session_id`), or every session of the account
    (`session_id` None: signed out everywhere, e.g. after losing a phone)."""

    actor: Actor
    account_id: int | None
    session_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityDisputed:
    """A verified person took the ID number `frozen_account_id` had typed: that account is
    frozen. Domains holding its work act on it in the same transaction (drafts discarded,
    submitted applications flagged to their agencies). `claimed_by`: the verified account,
    when it exists yet."""

    actor: Actor
    frozen_account_id: int
    claimed_by: int | None


Notice = Literal[
    "recovery_code_issued",
    "recovery_code_used",
    "assisted_opened",
    "assisted_consented",
    "assisted_consent_overridden",
    "assisted_ended",
    "contact_changed",
    "passkey_added",
    "passkey_removed",
    "identity_verified",
    "identity_claimed",
    "delegation_made",
    "delegation_received",
    "delegation_ended",
    "delegate_submitted",
    "delegate_answered",
    "delegate_withdrew",
    "appointment_reminder",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountNotice:
    """Something was done to or for the account that its holder must hear of, every time and
    on every device, so that what they did not do stands out: what, and where (a district
    office's kiosk; "" on their own device). Published inside the change's transaction."""

    account_id: int
    what: Notice
    where: str = ""
    who: str = ""
    """The other person, for notices between a grantor and their delegate."""
    about: str = ""
    """The application's tracking code, for what a delegate did with it (or a booking's
    reference)."""
    when: dt.datetime | None = None
    """The time it is about (an appointment), told in each language's calendar."""
