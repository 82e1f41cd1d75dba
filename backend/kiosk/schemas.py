"""What the kiosk API takes and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.lib.schema import Struct

__all__ = [
    "ActivateIn",
    "ActivationCode",
    "AlertOut",
    "ApprovalIn",
    "ApprovalOut",
    "ApproveIn",
    "AssistedOut",
    "CitizenOut",
    "ConsentCodeOut",
    "FinishIn",
    "InPersonConsent",
    "KioskIn",
    "KioskOut",
    "StartAssisted",
]


class KioskIn(Struct):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
    district: Annotated[str, msgspec.Meta(min_length=2, max_length=80)]
    province: Annotated[str, msgspec.Meta(min_length=2, max_length=80)]


class KioskOut(Struct):
    id: int
    name: str
    district: str
    province: str
    active: bool = True


class ActivationCode(Struct):
    kiosk: KioskOut
    code: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class ActivateIn(Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=40)]


class StartAssisted(Struct):
    national_id: Annotated[str, msgspec.Meta(min_length=13, max_length=17)]
    id_card_checked: bool = False
    """The operator looked at the citizen's ID card (raises assurance to verified_in_person)."""
    full_name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)] | None = None
    """Only to enrol a citizen who has no account yet."""
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""


class InPersonConsent(Struct):
    id_card_checked: bool


class CitizenOut(Struct):
    id: int
    full_name: str
    national_id_masked: str
    assurance: str
    has_passkey: bool


class AssistedOut(Struct):
    id: int
    citizen: CitizenOut
    started_at: dt.datetime
    idle_timeout_s: int
    consent_method: str = ""
    consent_at: dt.datetime | None = None
    id_card_checked: bool = False


class ApprovalIn(Struct):
    """A second staff member approves one action in this assisted session."""

    action: Literal["recovery_code", "in_person_consent", "identity_claim"]
    reason: Annotated[str, msgspec.Meta(min_length=5, max_length=500)]
    """Why the exception (recorded with the approval)."""


class AlertOut(Struct):
    """An operator refused past their daily limit of an in-person power."""

    id: int
    at: dt.datetime
    operator_id: int
    operator_name: str
    kiosk_id: int
    kiosk_name: str
    action: str
    """recovery_code, id_card_check or in_person_consent."""
    times: int
    """How many in the 24 hours before."""
    daily_limit: int


class ApprovalOut(Struct):
    id: int
    action: str


class ConsentCodeOut(Struct):
    code: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class FinishIn(Struct):
    reason: Literal["finished", "timeout"] = "finished"
    """"timeout": the page's own 3-minute timer ended the visit, nobody pressed Finish."""


class ApproveIn(Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=20)]


class IdentityClaim(Struct):
    full_name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
    """The name on the ID card the operator checked."""
