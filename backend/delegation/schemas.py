"""What the delegation API takes and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.lib.schema import Struct

__all__ = [
    "Acting",
    "DelegationCreate",
    "DelegationOut",
    "Delegations",
    "InvitationAccept",
    "InvitationOut",
    "KioskDelegationCreate",
    "Power",
]

Power = Literal["follow", "apply", "documents"]
"""follow: see applications and their progress; apply: apply and answer the agency (and
follow); documents: use and manage the wallet's documents."""

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class DelegationCreate(Struct):
    powers: Annotated[list[Power], msgspec.Meta(min_length=1, max_length=3)]
    valid_until: dt.date
    """The last day (Asia/Bangkok) the delegate may act; at most a year from today."""
    services: Annotated[list[Slug], msgspec.Meta(max_length=50)] = []
    """Service slugs; empty: every service."""


class KioskDelegationCreate(Struct):
    delegate_national_id: Annotated[str, msgspec.Meta(min_length=13, max_length=17)]
    powers: Annotated[list[Power], msgspec.Meta(min_length=1, max_length=3)]
    valid_until: dt.date
    services: Annotated[list[Slug], msgspec.Meta(max_length=50)] = []
    delegate_id_card_checked: bool = False
    """The operator saw the delegate's ID card (the grantor's is checked in the session)."""


class InvitationAccept(Struct):
    invitation: Annotated[str, msgspec.Meta(min_length=8, max_length=64)]


class DelegationOut(Struct):
    id: int
    state: Literal["invited", "active", "ended", "expired"]
    grantor_name: str
    delegate_name: str
    powers: list[str]
    services: list[str]
    valid_until: dt.date
    created_at: dt.datetime
    accepted_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    end_reason: str = ""
    made_at_kiosk: bool = False


class InvitationOut(Struct):
    delegation: DelegationOut
    invitation: str
    """Give it to the delegate (shown once): they accept it signed in on their own phone."""
    link: str
    expires_at: dt.datetime


class Delegations(Struct):
    given: list[DelegationOut]
    """Authorisations I gave (I am the grantor)."""
    received: list[DelegationOut]
    """Authorisations others gave me (I may act for them)."""


class Acting(Struct):
    acting: bool
    delegation: DelegationOut | None = None
