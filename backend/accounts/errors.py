"""Named failures of accounts and ceremonies, each with Thai and English text."""

from __future__ import annotations

from backend.lib.errors import (
    AuthorizationError,
    ClientError,
    ConflictError,
    NotAuthenticatedError,
    NotFoundError,
    PortalError,
)

__all__ = [
    "AlreadyEnrolledError",
    "CeremonyRejectedError",
    "ChallengeExpiredError",
    "ChallengeMissingError",
    "ChallengeUsedError",
    "CodeInvalidError",
    "CsrfError",
    "DigitalIdUnavailableError",
    "IdNeedsVerificationError",
    "LastPasskeyError",
    "MalformedCredentialError",
    "PasskeyNotFoundError",
    "PasskeyRevokedError",
    "SessionExpiredError",
    "SignCountError",
    "SigninFailedError",
    "UnknownCredentialError",
    "VerifiedPersonMissingError",
]


class AlreadyEnrolledError(ConflictError):
    code = "already_enrolled"
    message_en = (
        "An account with this ID number already exists. Sign in with your passkey, or "
        "ask a district office to help you recover it."
    )
    message_th = "เลขประจำตัวประชาชนนี้มีบัญชีอยู่แล้ว กรุณาเข้าสู่ระบบด้วยพาสคีย์ หรือติดต่อที่ว่าการอำเภอเพื่อกู้คืนบัญชี"


class IdNeedsVerificationError(ConflictError):
    code = "id_needs_verification"
    message_en = (
        "This ID number is already used by an account. If it is your number, prove who you "
        "are with the ThaiD digital ID, or at a district office with your ID card: the number "
        "will then be yours."
    )
    message_th = (
        "เลขประจำตัวประชาชนนี้มีบัญชีใช้อยู่แล้ว หากเป็นเลขของคุณ กรุณายืนยันตัวตนด้วยแอป ThaiD"
        " หรือนำบัตรประชาชนไปที่ว่าการอำเภอ/สำนักงานเขต แล้วเลขนี้จะเป็นของคุณ"
    )


class VerifiedPersonMissingError(ClientError):
    code = "verified_person_missing"
    message_en = "Prove who you are with the digital ID first (it lasts 15 minutes)."
    message_th = "กรุณายืนยันตัวตนด้วยแอปดิจิทัลก่อน (ใช้ได้ภายใน 15 นาที)"


class DigitalIdUnavailableError(PortalError):
    status_code = 503
    code = "digital_id_unavailable"
    message_en = (
        "The digital-ID service is not answering now. Please try again later, or get verified "
        "at a district office."
    )
    message_th = (
        "ระบบยืนยันตัวตนดิจิทัลไม่ตอบสนองในขณะนี้ กรุณาลองใหม่ภายหลัง หรือไปยืนยันตัวตนที่ว่าการอำเภอ/สำนักงานเขต"
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "30"})


class ChallengeMissingError(ClientError):
    code = "challenge_missing"
    message_en = "This sign-in step was not started here. Please start again."
    message_th = "ไม่พบขั้นตอนที่เริ่มไว้ กรุณาเริ่มใหม่อีกครั้ง"


class ChallengeUsedError(ClientError):
    code = "challenge_used"
    message_en = "This request was already used. Please start again."
    message_th = "คำขอนี้ถูกใช้ไปแล้ว กรุณาเริ่มใหม่อีกครั้ง"


class ChallengeExpiredError(ClientError):
    code = "challenge_expired"
    message_en = "This took longer than 5 minutes. Please start again."
    message_th = "ใช้เวลานานเกิน 5 นาที กรุณาเริ่มใหม่อีกครั้ง"


class MalformedCredentialError(ClientError):
    code = "malformed_credential"
    message_en = "The passkey response could not be read. Please try again."
    message_th = "อ่านข้อมูลพาสคีย์ไม่ได้ กรุณาลองใหม่"


class CeremonyRejectedError(ClientError):
    code = "passkey_rejected"
    message_en = (
        "The passkey could not be verified. Make sure your phone has a screen lock and try again."
    )
    message_th = "ยืนยันพาสคีย์ไม่สำเร็จ กรุณาตรวจสอบว่าโทรศัพท์ตั้งค่าล็อกหน้าจอไว้ แล้วลองใหม่"


class SigninFailedError(NotAuthenticatedError):
    code = "signin_failed"
    message_en = "Sign-in failed. Please try again."
    message_th = "เข้าสู่ระบบไม่สำเร็จ กรุณาลองใหม่"


class UnknownCredentialError(NotAuthenticatedError):
    code = "unknown_passkey"
    message_en = "This passkey is not registered with the portal."
    message_th = "พาสคีย์นี้ไม่ได้ลงทะเบียนกับพอร์ทัล"


class PasskeyRevokedError(NotAuthenticatedError):
    code = "passkey_revoked"
    message_en = (
        "This passkey was removed from your account. Use another passkey or recover "
        "your account at a district office."
    )
    message_th = "พาสคีย์นี้ถูกลบออกจากบัญชีแล้ว กรุณาใช้พาสคีย์อื่นหรือกู้คืนบัญชีที่ว่าการอำเภอ"


class SignCountError(NotAuthenticatedError):
    code = "passkey_counter_regressed"
    message_en = (
        "This passkey looks copied and was refused. Use another passkey or contact a "
        "district office."
    )
    message_th = "พาสคีย์นี้อาจถูกคัดลอก ระบบจึงปฏิเสธ กรุณาใช้พาสคีย์อื่นหรือติดต่อที่ว่าการอำเภอ"


class SessionExpiredError(NotAuthenticatedError):
    code = "session_expired"
    message_en = "Your session has ended. Please sign in again."
    message_th = "หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง"


class CsrfError(AuthorizationError):
    code = "csrf_failed"
    message_en = "Security check failed. Reload the page and try again."
    message_th = "การตรวจสอบความปลอดภัยไม่ผ่าน กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"


class LastPasskeyError(ConflictError):
    code = "last_passkey"
    message_en = (
        "This is your only passkey. Without it you cannot sign in until a district "
        "office recovers your account. Add another passkey first, or confirm to remove it anyway."
    )
    message_th = (
        "นี่คือพาสคีย์เดียวของคุณ หากลบแล้วจะเข้าสู่ระบบไม่ได้จนกว่าจะกู้คืนบัญชีที่ว่าการอำเภอ "
        "กรุณาเพิ่มพาสคีย์อื่นก่อน หรือยืนยันเพื่อลบ"
    )


class PasskeyNotFoundError(NotFoundError):
    code = "passkey_not_found"
    message_en = "Passkey not found."
    message_th = "ไม่พบพาสคีย์"


class CodeInvalidError(ClientError):
    code = "code_invalid"
    message_en = "This code is wrong, already used or expired. Ask the office for a new one."
    message_th = "รหัสไม่ถูกต้อง ถูกใช้แล้ว หรือหมดอายุ กรุณาขอรหัสใหม่จากเจ้าหน้าที่"
