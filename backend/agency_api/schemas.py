"""Agency API, admin and officer console request/response types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.applications.schemas import ActionRequired, HistoryEntry
from backend.applications.status import AgencyStatus, Status
from backend.catalog.forms import FormField
from backend.catalog.schemas import FeeKind, FeeOverdue
from backend.fees.schemas import FeeState, FeeView
from backend.lib.schema import I18n, Struct

__all__ = [
    "Applicant",
    "ApplicationView",
    "CredentialCreate",
    "CredentialOut",
    "CredentialRotate",
    "DeadWebhook",
    "DocumentLink",
    "Feed",
    "NewCredentialOut",
    "OfficerQueue",
    "OfficerQueueItem",
    "ServiceCreate",
    "ServiceOut",
    "ServiceUpdate",
    "StatusChange",
    "StatusChanged",
    "StatusMessage",
    "WebhookOut",
    "WebhookUpdate",
]

Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
FieldName = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]


# --- Applications --------------------------------------------------------------------------


class StatusMessage(Struct):
    """What the citizen reads on the dashboard, in Thai and English (either may be empty;
    the other language is then shown in its place)."""

    th: Text1000 = ""
    en: Text1000 = ""


class StatusChange(Struct):
    status: AgencyStatus
    message: StatusMessage = msgspec.field(default_factory=StatusMessage)
    needs: Annotated[list[FieldName], msgspec.Meta(max_length=60)] = []
    """needs_info only: the form fields the citizen must fill again."""
    reply_by: dt.date | None = None
    """needs_info only: the last day the agency waits for the answer, a government working
    day in the future (Thai time); the citizen is told that after it the agency may decide
    with what it has."""


class StatusChanged(Struct):
    application_id: int
    status: Status
    change_seq: int
    """The application's new position in the feed."""


class Applicant(Struct):
    full_name: str
    national_id: str | None = None
    assurance: str = "self_asserted"
    """self_asserted (typed by the applicant), verified_in_person (ID card checked at a
    district office) or verified_digital_id (proved with the ThaiD digital ID)."""
    language: str = "th"


class Submitter(Struct):
    """Who submitted the application for the applicant, when it was not the applicant."""

    role: Literal["operator", "delegate"]
    """operator: staff at a district office, with the applicant there; delegate: a person
    the applicant authorised in the portal (หนังสือมอบอำนาจ) to apply for them."""
    full_name: str


class DocumentLink(Struct):
    id: int
    field: str
    """The form field the document answers."""
    document_type: str
    content_type: str
    size_bytes: int
    url: str
    """Download with the same credentials (agency API) or session (officer console)."""


class ApplicationView(Struct):
    """An application as the agency works on it."""

    id: int
    tracking_code: str
    status: Status
    change_seq: int
    service: str
    service_name: I18n
    applicant: Applicant
    answers: dict[str, Any]
    documents: list[DocumentLink]
    history: list[HistoryEntry]
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None = None
    action: ActionRequired | None = None
    identity_disputed: bool = False
    fee: FeeView | None = None
    """The fee, if the application owes one: due, overdue or paid, with its references."""
    """A verified person has since proved this ID number is theirs: the applicant's account
    is frozen. Do not act on the application as if the applicant were that person."""
    submitted_by: Submitter | None = None
    """Set when someone else submitted it for the applicant (absent: the applicant did)."""


class Feed(Struct):
    items: list[ApplicationView]
    next: int
    """Pass as `after` in the next request (unchanged when there was nothing new)."""
    more: bool = False
    """True when another page is ready right away."""


# --- Services ------------------------------------------------------------------------------


class ServiceName(Struct):
    th: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ServiceSummaryText(Struct):
    th: Annotated[str, msgspec.Meta(max_length=400)] = ""
    en: Annotated[str, msgspec.Meta(max_length=400)] = ""


class ServiceDescription(Struct):
    th: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    en: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class ServiceUpdate(Struct):
    """A catalog entry and its form. `form` is a list of form fields (see the catalog's
    service detail for the shape); a wrong field is refused with 422 naming it, e.g.
    `fields[2].type`."""

    name: ServiceName
    form: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=100)]
    summary: ServiceSummaryText = msgspec.field(default_factory=ServiceSummaryText)
    description: ServiceDescription = msgspec.field(default_factory=ServiceDescription)
    fee_satang: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 0
    fee_kind: FeeKind = "fixed"
    """fixed: `fee_satang` is due on submission; per_application: set per application with
    PUT /applications/{id}/fee."""
    fee_biller_id: Annotated[str, msgspec.Meta(pattern="^([0-9]{15})?$")] = ""
    """Thai QR bill-payment biller ID (tax ID + the 2-digit suffix from your bank); empty: the
    fee is paid at the office, and no QR code is shown."""
    fee_due_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 7
    fee_overdue: FeeOverdue = "remind"
    fee_on_paid: AgencyStatus | None = None
    """The status the application moves to once paid (where allowed from its status then)."""
    processing_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] = 0
    required_documents: Annotated[list[FieldName], msgspec.Meta(max_length=30)] = []
    required_assurance: Literal["self_asserted", "verified_in_person"] = "self_asserted"
    life_events: Annotated[list[FieldName], msgspec.Meta(max_length=20)] = []


class ServiceCreate(ServiceUpdate, kw_only=True):
    slug: Slug
    """Stable public id used in URLs; lower-case letters, digits and dashes."""


class ServiceOut(Struct):
    slug: str
    name: I18n
    summary: I18n
    description: I18n
    fee_satang: int
    processing_days: int
    required_documents: list[str]
    required_assurance: str
    life_events: list[str]
    form: list[FormField]
    published: bool
    updated_at: dt.datetime
    fee_kind: FeeKind = "fixed"
    fee_biller_id: str = ""
    fee_due_days: int = 7
    fee_overdue: FeeOverdue = "remind"
    fee_on_paid: str = ""


# --- Admin ---------------------------------------------------------------------------------


class CredentialCreate(Struct):
    name: Annotated[str, msgspec.Meta(max_length=80)] = ""


class CredentialRotate(Struct):
    grace_hours: Annotated[int, msgspec.Meta(ge=0, le=168)] = 24
    """How long the old key keeps working (0: refused at once)."""


class CredentialOut(Struct):
    key_id: str
    name: str
    created_at: dt.datetime
    active: bool
    """False once revoked (or after a rotation's grace period)."""
    revoked_at: dt.datetime | None = None


class NewCredentialOut(Struct):
    key_id: str
    secret: str
    """Shown this once: the portal keeps it only encrypted and cannot show it again."""
    name: str
    created_at: dt.datetime


class WebhookUpdate(Struct):
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=500)]
    enabled: bool = True
    new_secret: bool = False
    """Issue a new signing secret (one is issued anyway the first time)."""


class WebhookOut(Struct):
    url: str
    enabled: bool
    updated_at: dt.datetime
    secret: str | None = None
    """Only in the answer that issued it."""


class DeadWebhook(Struct):
    id: int
    agency: str
    event_id: str
    event_type: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


# --- Officer console -----------------------------------------------------------------------


class OfficerQueueItem(Struct):
    id: int
    tracking_code: str
    status: Status
    service: str
    service_name: I18n
    updated_at: dt.datetime
    age_days: int
    """Whole days since submission."""
    submitted_at: dt.datetime | None = None
    assurance: str = "self_asserted"
    identity_disputed: bool = False
    expected_by: dt.date | None = None
    """While undecided: the last day of the service's promised processing time."""
    overdue: bool = False
    """Past that day without a decision (เกินกำหนด)."""
    fee: FeeState | None = None
    """due, overdue or paid, if the application owes a fee."""
    fee_satang: int | None = None


class OfficerQueue(Struct):
    items: list[OfficerQueueItem]
    total: int
    limit: int
    offset: int
