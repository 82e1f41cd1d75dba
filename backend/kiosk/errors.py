"""What the kiosk domain refuses, with the words the operator or citizen sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ClientError, ConflictError

__all__ = [
    "ApprovalRequiredError",
    "ConsentCodeInvalidError",
    "InPersonConsentRefusedError",
    "KioskRequiredError",
    "NoAssistedSessionError",
    "RecoveryInPersonOnlyError",
    "StaffLimitReachedError",
]


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


class ApprovalRequiredError(AuthorizationError):
    code = "second_staff_approval_required"
    message_en = (
        "A second staff member must approve this with their own passkey first, giving a reason."
    )
    message_th = "ต้องให้เจ้าหน้าที่อีกคนหนึ่งอนุมัติด้วยพาสคีย์ของตนพร้อมระบุเหตุผลก่อน"


class InPersonConsentRefusedError(ConflictError):
    code = "consent_in_person_refused"
    message_en = (
        "This citizen can consent themselves: with their passkey on this kiosk, or by "
        "approving on their own phone. In-person consent is only for citizens who can do "
        "neither; otherwise a supervisor must approve it."
    )
    message_th = (
        "ประชาชนรายนี้ยินยอมเองได้ ด้วยพาสคีย์บนเครื่องนี้ หรือกดอนุมัติบนโทรศัพท์ของตนเอง "
        "การยินยอมต่อหน้าเจ้าหน้าที่ใช้ได้เฉพาะผู้ที่ทำทั้งสองวิธีไม่ได้ มิฉะนั้นต้องให้หัวหน้าอนุมัติ"
    )


class RecoveryInPersonOnlyError(AuthorizationError):
    code = "recovery_in_person_only"
    message_en = (
        "A recovery code is issued only at a registered kiosk, in an assisted session for "
        "that citizen, after checking their ID card."
    )
    message_th = (
        "ออกรหัสกู้คืนบัญชีได้เฉพาะที่เครื่องบริการที่ลงทะเบียนแล้ว ระหว่างให้บริการประชาชนรายนั้น "
        "และหลังจากตรวจบัตรประชาชนแล้วเท่านั้น"
    )


class StaffLimitReachedError(AuthorizationError):
    code = "staff_daily_limit"
    message_en = (
        "You reached today's limit for this at a kiosk. An administrator has been alerted; "
        "ask them or another operator."
    )
    message_th = "วันนี้คุณทำรายการนี้ครบจำนวนที่กำหนดแล้ว ระบบได้แจ้งผู้ดูแลแล้ว กรุณาติดต่อผู้ดูแลหรือเจ้าหน้าที่คนอื่น"
