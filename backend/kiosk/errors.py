"""What the kiosk domain refuses, with the words the operator or citizen sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ClientError, ConflictError

__all__ = ["ConsentCodeInvalidError", "KioskRequiredError", "NoAssistedSessionError"]


class KioskRequiredError(AuthorizationError):
    code = "kiosk_required"
    message_en = "This can only be done at a registered kiosk."
    message_th = "ทำรายการนี้ได้เฉพาะที่เครื่องบริการที่ลงทะเบียนแล้ว"


class NoAssistedSessionError(ConflictError):
    code = "no_assisted_session"
    message_en = "There is no assisted session in progress. Start one for the citizen first."
    message_th = "ยังไม่มีการให้บริการประชาชนที่เปิดอยู่ กรุณาเริ่มให้บริการก่อน"


class ConsentCodeInvalidError(ClientError):
    code = "consent_code_invalid"
    message_en = "This approval code is wrong or expired. Ask the officer to show a new one."
    message_th = "รหัสยืนยันไม่ถูกต้องหรือหมดอายุ กรุณาขอให้เจ้าหน้าที่แสดงรหัสใหม่"
