"""Examples for the agency API's OpenAPI document, written as the real request and response
types so that a renamed or retyped field breaks here, not in an agency engineer's client."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar.exceptions import ValidationException

from backend.agency_api.errors import ServiceSlugTakenError
from backend.agency_api.guard import Limits, every_refusal
from backend.agency_api.schemas import (
    Applicant,
    ApplicationView,
    DocumentLink,
    Feed,
    ServiceCreate,
    ServiceDescription,
    ServiceName,
    ServiceOut,
    ServiceSummaryText,
    ServiceUpdate,
    StatusChange,
    StatusChanged,
    StatusMessage,
)
from backend.agency_api.services import REASON_NEEDED, form_refused
from backend.applications.errors import ApplicationNotFoundError
from backend.applications.schemas import ActionRequired, HistoryEntry
from backend.applications.status import IllegalTransitionError
from backend.catalog.errors import ServiceNotFoundError
from backend.catalog.forms import Choice, FormField, FormSchemaError
from backend.documents.errors import DocumentNotFoundError
from backend.fees.errors import (
    ApplicationClosedError,
    FeeAlreadyPaidError,
    FeeNotSetByAgencyError,
    NoFeeDueError,
    PaymentMismatchError,
)
from backend.fees.schemas import FeeSet, FeeView, PaymentConfirm, PaymentConfirmed
from backend.lib.errors import (
    PortalError,
    RateLimitedError,
    ValidationFailedError,
    ValueOutOfRangeError,
)
from backend.lib.openapi import example
from backend.lib.schema import I18n
from backend.system.idempotency import (
    IdempotencyConflictError,
    IdempotencyInProgressError,
    MissingKeyError,
)

__all__ = [
    "APPLICATION_NOT_FOUND",
    "APPLICATION_VIEW",
    "BAD_DAYS",
    "BAD_FORM",
    "BAD_LIMIT",
    "BAD_SLUG",
    "BAD_STATUS",
    "DOCUMENT_NOT_FOUND",
    "FEED",
    "FEE_CONFLICTS",
    "FEE_DUE",
    "FEE_PAID",
    "FEE_SET",
    "MESSAGE_NEEDED",
    "NEEDS_INFO",
    "OUT_OF_RANGE",
    "PAID_IN_FUTURE",
    "PAYMENT",
    "PAYMENT_CONFIRMED",
    "PAYMENT_CONFLICTS",
    "SERVICE_CREATE",
    "SERVICE_NOT_FOUND",
    "SERVICE_OUT",
    "SERVICE_SLUG_TAKEN",
    "SERVICE_UPDATE",
    "SIGNED",
    "STATUS_CHANGED",
    "STATUS_CONFLICTS",
    "STATUS_KEY_MISSING",
]

_AT = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)

# --- Requests ------------------------------------------------------------------------------

NEEDS_INFO = [
    example(
        "Ask the citizen for a missing document",
        StatusChange(
            status="needs_info",
            message=StatusMessage(th="กรุณาแนบใบแจ้งความ", en="Please attach the police report"),
            needs=["police_report"],
        ),
        name="needs_info",
    ),
    example(
        "Start working on an application",
        StatusChange(status="in_review", message=StatusMessage(en="We are checking your request")),
        name="in_review",
    ),
    example(
        "Approve",
        StatusChange(
            status="approved",
            message=StatusMessage(
                th="อนุมัติแล้ว รับบัตรได้ที่สำนักทะเบียนตามวันนัด",
                en="Approved: collect your card at the registry on your appointment day",
            ),
        ),
        name="approved",
    ),
]

_FORM = [
    FormField(
        name="full_name",
        type="text",
        label=I18n(th="ชื่อ-นามสกุล", en="Full name"),
        required=True,
        max_length=120,
        prefill="full_name",
    ),
    FormField(
        name="licence_no",
        type="text",
        label=I18n(th="เลขที่ใบอนุญาต", en="Licence number"),
        required=True,
        max_length=20,
    ),
    FormField(
        name="kind",
        type="choice",
        label=I18n(th="ชนิดอาวุธ", en="Kind"),
        required=True,
        choices=(
            Choice(value="handgun", label=I18n(th="ปืนพก", en="Handgun")),
            Choice(value="rifle", label=I18n(th="ปืนยาว", en="Rifle")),
        ),
    ),
    FormField(
        name="id_card",
        type="file",
        label=I18n(th="สำเนาบัตรประชาชน", en="Copy of ID card"),
        required=True,
        document_type="id_card",
    ),
]

_SERVICE = ServiceUpdate(
    name=ServiceName(th="ต่ออายุใบอนุญาตอาวุธปืน", en="Firearm licence renewal"),
    summary=ServiceSummaryText(th="ต่ออายุใบอนุญาต ป.4", en="Renew a P.4 licence"),
    description=ServiceDescription(
        th="ยื่นคำขอออนไลน์ก่อนใบอนุญาตหมดอายุ 30 วัน",
        en="Apply online up to 30 days before the licence expires.",
    ),
    form=[msgspec.to_builtins(field) for field in _FORM],
    fee_satang=100_00,
    processing_days=15,
    required_documents=["id_card"],
    life_events=["identity_documents"],
)

SERVICE_CREATE = [
    example(
        "A new service with its form (unpublished until published)",
        ServiceCreate(slug="firearm-licence-renewal", **msgspec.structs.asdict(_SERVICE)),
        name="new_service",
    )
]
SERVICE_UPDATE = [
    example(
        "The same service, now processed in 7 days",
        msgspec.structs.replace(_SERVICE, processing_days=7),
        name="shorter_processing",
    )
]

# --- Answers -------------------------------------------------------------------------------

SERVICE_OUT = ServiceOut(
    slug="firearm-licence-renewal",
    name=I18n(th=_SERVICE.name.th, en=_SERVICE.name.en),
    summary=I18n(th=_SERVICE.summary.th, en=_SERVICE.summary.en),
    description=I18n(th=_SERVICE.description.th, en=_SERVICE.description.en),
    fee_satang=_SERVICE.fee_satang,
    processing_days=_SERVICE.processing_days,
    required_documents=_SERVICE.required_documents,
    required_assurance=_SERVICE.required_assurance,
    life_events=_SERVICE.life_events,
    form=_FORM,
    published=False,
    updated_at=_AT,
)

STATUS_CHANGED = StatusChanged(application_id=42, status="needs_info", change_seq=1240)

FEE_DUE = FeeView(
    state="due",
    amount_satang=100_00,
    reference1="DOPA7K3MQ9",
    reference2="K7QW2M9XRT4P",
    due_at=_AT + dt.timedelta(days=7),
)

APPLICATION_VIEW = ApplicationView(
    id=42,
    tracking_code="DOPA-7K3M-Q9",
    status="needs_info",
    change_seq=1240,
    service="id-card-replacement",
    service_name=I18n(th="ทำบัตรประจำตัวประชาชนใหม่ กรณีบัตรหาย", en="Replace a lost national ID card"),
    applicant=Applicant(
        full_name="สมชาย ใจดี",
        national_id="1101700230705",
        assurance="verified_in_person",
        language="th",
    ),
    answers={
        "full_name": "สมชาย ใจดี",
        "national_id": "1101700230705",
        "phone": "0812345678",
        "reason": "lost",
        "police_report": 9001,
        "appointment_date": "2026-01-22",
    },
    documents=[
        DocumentLink(
            id=9001,
            field="police_report",
            document_type="police_report",
            content_type="application/pdf",
            size_bytes=184_320,
            url="/agency-api/v1/documents/9001",
        )
    ],
    history=[
        HistoryEntry(status="submitted", at=_AT, by="citizen"),
        HistoryEntry(
            status="needs_info",
            at=_AT + dt.timedelta(hours=3),
            by="agency_api",
            message=I18n(th="กรุณาแนบใบแจ้งความ", en="Please attach the police report"),
        ),
    ],
    created_at=_AT - dt.timedelta(minutes=10),
    updated_at=_AT + dt.timedelta(hours=3),
    submitted_at=_AT,
    action=ActionRequired(
        message=I18n(th="กรุณาแนบใบแจ้งความ", en="Please attach the police report"),
        fields=["police_report"],
    ),
    fee=FEE_DUE,
)

FEED = Feed(items=[APPLICATION_VIEW], next=1240, more=False)

# --- Errors --------------------------------------------------------------------------------

SIGNED: list[PortalError] = [*every_refusal(), RateLimitedError(Limits.REQUESTS.window_s)]
"""What any agency API request may meet before its handler runs (the guard)."""


def _invalid(field: str, message: str) -> ValidationException:
    """Litestar's own check of a parameter or the body, as errors.py answers it."""
    return ValidationException(extra=[{"key": field, "message": message}])


OUT_OF_RANGE = ValueOutOfRangeError()
"""An id or text the database cannot hold (a 30-digit id, a NUL character)."""
BAD_LIMIT = _invalid("limit", "Expected `int` <= 100")
BAD_SLUG = _invalid("slug", "Expected `str` matching regex '^[a-z0-9][a-z0-9-]{1,79}$'")
BAD_DAYS = _invalid("processing_days", "Expected `int` <= 3650")
BAD_STATUS = _invalid("status", "Invalid enum value 'draft'")
APPLICATION_NOT_FOUND = ApplicationNotFoundError()
SERVICE_NOT_FOUND = ServiceNotFoundError()
DOCUMENT_NOT_FOUND = DocumentNotFoundError()
SERVICE_SLUG_TAKEN = ServiceSlugTakenError()
STATUS_KEY_MISSING = MissingKeyError()
STATUS_CONFLICTS: list[PortalError] = [
    IllegalTransitionError("approved", "in_review"),
    IdempotencyConflictError(),
    IdempotencyInProgressError(),
]
MESSAGE_NEEDED = ValidationFailedError(fields={"message": REASON_NEEDED})
BAD_FORM = form_refused(FormSchemaError("fields[2].type", "Invalid enum value 'dropdown'"))

# --- Fees ----------------------------------------------------------------------------------

FEE_PAID = msgspec.structs.replace(
    FEE_DUE, state="paid", paid_at=_AT + dt.timedelta(days=1), receipt_number="R000000042"
)
PAYMENT = [
    example(
        "From the bank's notice",
        PaymentConfirm(
            amount_satang=100_00,
            reference1="DOPA7K3MQ9",
            reference2="K7QW2M9XRT4P",
            paid_at=_AT + dt.timedelta(days=1),
            bank_transaction="20260115A0042",
        ),
    )
]
PAYMENT_CONFIRMED = PaymentConfirmed(application_id=42, fee=FEE_PAID, change_seq=1241)
FEE_SET = [example("A fee of 250 baht, 14 days to pay", FeeSet(amount_satang=250_00, due_days=14))]
PAYMENT_CONFLICTS: list[PortalError] = [
    PaymentMismatchError(
        "The payment of 10.00 baht is not the fee due, 100.00 baht.",
        code="payment_amount_mismatch",
    ),
    PaymentMismatchError(
        "The payment's references are not those of this application's fee.",
        code="payment_reference_mismatch",
    ),
    NoFeeDueError(),
    IdempotencyConflictError(),
    IdempotencyInProgressError(),
]
PAID_IN_FUTURE = ValidationFailedError(
    fields={
        "paid_at": {
            "en": "A payment cannot be made in the future.",
            "th": "เวลาชำระเงินต้องไม่อยู่ในอนาคต",
        }
    }
)
FEE_CONFLICTS: list[PortalError] = [
    FeeAlreadyPaidError(),
    FeeNotSetByAgencyError(),
    ApplicationClosedError(),
    IdempotencyConflictError(),
    IdempotencyInProgressError(),
]
