"""What the delegation domain refuses, with the words the citizen (or operator) sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ConflictError, NotFoundError

__all__ = [
    "DelegateNotFoundError",
    "DelegationEndedError",
    "DelegationNotFoundError",
    "InvitationInvalidError",
    "NotYourOwnDelegateError",
    "VerificationNeededError",
]


class DelegationNotFoundError(NotFoundError):
    code = "delegation_not_found"
    message_en = "Authorisation not found."
    message_th = "ไม่พบการมอบอำนาจนี้"


class InvitationInvalidError(NotFoundError):
    code = "invitation_invalid"
    message_en = (
        "This invitation is wrong, already used or expired. Ask the person who invited you "
        "for a new one."
    )
    message_th = "คำเชิญนี้ไม่ถูกต้อง ถูกใช้แล้ว หรือหมดอายุ กรุณาขอคำเชิญใหม่จากผู้มอบอำนาจ"


class NotYourOwnDelegateError(ConflictError):
    code = "own_invitation"
    message_en = "You cannot accept your own invitation: the person you authorise accepts it."
    message_th = "คุณรับคำเชิญของตนเองไม่ได้ ผู้รับมอบอำนาจต้องเป็นผู้กดรับ"


class VerificationNeededError(ConflictError):
    code = "verification_needed"
    message_en = (
        "These services need both people's identity verified (with the ThaiD digital ID or "
        "once at a district office) before one can act for the other."
    )
    message_th = (
        "บริการที่เลือกต้องยืนยันตัวตนของทั้งผู้มอบและผู้รับมอบอำนาจก่อน"
        " (ด้วยแอป ThaiD หรือที่ว่าการอำเภอ/สำนักงานเขตหนึ่งครั้ง)"
    )


class DelegationEndedError(AuthorizationError):
    code = "delegation_ended"
    message_en = (
        "Your authorisation to act for this person has ended (revoked, expired or the account "
        "is closed). You are back in your own account."
    )
    message_th = "การมอบอำนาจให้คุณทำรายการแทนบุคคลนี้สิ้นสุดแล้ว ขณะนี้คุณกลับมาอยู่ในบัญชีของคุณเอง"


class DelegateNotFoundError(NotFoundError):
    code = "delegate_not_found"
    message_en = (
        "No portal account has this ID number. The person to authorise must sign up first "
        "(on their phone or at this office)."
    )
    message_th = "ไม่พบบัญชีของเลขประจำตัวประชาชนนี้ ผู้รับมอบอำนาจต้องสมัครใช้งานก่อน"
