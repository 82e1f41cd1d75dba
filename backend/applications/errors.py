"""What the applications domain refuses, with the words the citizen sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ConflictError, NotFoundError

__all__ = [
    "ApplicationNotFoundError",
    "AssuranceRequiredError",
    "NotADraftError",
    "ServiceNotDelegatedError",
]


class ApplicationNotFoundError(NotFoundError):
    code = "application_not_found"
    message_en = "Application not found."
    message_th = "ไม่พบคำขอ"


class AssuranceRequiredError(AuthorizationError):
    code = "assurance_required"
    message_en = (
        "This service needs your identity verified. Verify with the ThaiD digital ID on My "
        "account, or once at a district office with your ID card; then you can apply online. "
        "Your draft is kept."
    )
    message_th = (
        "บริการนี้ต้องยืนยันตัวตนก่อน ยืนยันด้วยแอป ThaiD ได้ที่หน้าบัญชีของฉัน"
        " หรือนำบัตรประชาชนไปที่ว่าการอำเภอ/สำนักงานเขตหนึ่งครั้ง แล้วจึงยื่นคำขอออนไลน์ได้"
        " ฉบับร่างของคุณยังเก็บไว้"
    )


class NotADraftError(ConflictError):
    code = "not_a_draft"
    message_en = "Only a draft can be edited or discarded."
    message_th = "แก้ไขหรือลบได้เฉพาะฉบับร่าง"


class ServiceNotDelegatedError(AuthorizationError):
    code = "service_not_delegated"
    message_en = "The person you act for has not authorised you for this service."
    message_th = "ผู้มอบอำนาจไม่ได้มอบอำนาจให้คุณทำรายการบริการนี้"
