"""What the applications domain refuses, with the words the citizen sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ConflictError, NotFoundError

__all__ = ["ApplicationNotFoundError", "AssuranceRequiredError", "NotADraftError"]


class ApplicationNotFoundError(NotFoundError):
    code = "application_not_found"
    message_en = "Application not found."
    message_th = "ไม่พบคำขอ"


class AssuranceRequiredError(AuthorizationError):
    code = "assurance_required"
    message_en = (
        "This service needs your identity checked in person. Visit a district office "
        "with your ID card once; then you can apply online."
    )
    message_th = (
        "บริการนี้ต้องยืนยันตัวตนต่อหน้าเจ้าหน้าที่ กรุณานำบัตรประชาชนไปที่ว่าการอำเภอหนึ่งครั้ง แล้วจึงยื่นคำขอออนไลน์ได้"
    )


class NotADraftError(ConflictError):
    code = "not_a_draft"
    message_en = "Only a draft can be edited or discarded."
    message_th = "แก้ไขหรือลบได้เฉพาะฉบับร่าง"
