"""What the fees domain refuses."""

from __future__ import annotations

from backend.lib.errors import ConflictError, NotFoundError

__all__ = [
    "ApplicationClosedError",
    "FeeAlreadyPaidError",
    "FeeNotFoundError",
    "FeeNotSetByAgencyError",
    "NoFeeDueError",
    "PaymentMismatchError",
]


class FeeNotFoundError(NotFoundError):
    code = "fee_not_found"
    message_en = "This application has no fee to pay."
    message_th = "คำขอนี้ไม่มีค่าธรรมเนียมที่ต้องชำระ"


class NoFeeDueError(ConflictError):
    code = "no_fee_due"
    message_en = "No fee is due on this application: there is no payment to confirm."
    message_th = "คำขอนี้ไม่มีค่าธรรมเนียมค้างชำระ จึงยืนยันการชำระเงินไม่ได้"


class PaymentMismatchError(ConflictError):
    code = "payment_mismatch"
    message_en = "The payment does not match the fee due."
    message_th = "การชำระเงินไม่ตรงกับค่าธรรมเนียมที่ต้องชำระ"


class FeeAlreadyPaidError(ConflictError):
    code = "fee_already_paid"
    message_en = "The fee of this application is already paid; it cannot be changed."
    message_th = "ชำระค่าธรรมเนียมของคำขอนี้แล้ว จึงเปลี่ยนไม่ได้"


class ApplicationClosedError(ConflictError):
    code = "application_closed"
    message_en = "The application was withdrawn or refused: it owes no fee."
    message_th = "คำขอถูกถอนหรือไม่อนุมัติแล้ว จึงไม่มีค่าธรรมเนียม"


class FeeNotSetByAgencyError(ConflictError):
    code = "fee_fixed_by_service"
    message_en = "This service's fee is fixed in the catalog; it is not set per application."
    message_th = "ค่าธรรมเนียมของบริการนี้กำหนดไว้แล้วในรายการบริการ ไม่ได้กำหนดรายคำขอ"
