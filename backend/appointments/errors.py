"""What the appointments domain refuses, with the words the citizen (or officer) sees."""

from __future__ import annotations

from typing import Any

from backend.lib.errors import ConflictError, NotFoundError, ValidationFailedError

__all__ = [
    "AlreadyBookedError",
    "BookingClosedError",
    "BookingNotFoundError",
    "CapacityBelowBookedError",
    "CheckInNotTodayError",
    "CutoffPassedError",
    "OfficeNotFoundError",
    "SlotFullError",
    "SlotNotFoundError",
    "SlotOutsideHoursError",
]


class OfficeNotFoundError(NotFoundError):
    code = "office_not_found"
    message_en = "Office not found."
    message_th = "ไม่พบสำนักงานนี้"


class SlotNotFoundError(NotFoundError):
    code = "slot_not_found"
    message_en = "This appointment time does not exist or can no longer be booked."
    message_th = "ไม่พบช่วงเวลานัดหมายนี้ หรือไม่สามารถจองได้แล้ว"


class BookingNotFoundError(NotFoundError):
    code = "booking_not_found"
    message_en = "Appointment not found."
    message_th = "ไม่พบการนัดหมายนี้"


class SlotFullError(ConflictError):
    """The last place went to someone else; the answer lists the next free times."""

    code = "slot_full"
    message_en = "This time was just fully booked. Please choose another time."
    message_th = "ช่วงเวลานี้เต็มแล้ว กรุณาเลือกเวลาอื่น"

    def __init__(self, next_free: list[dict[str, Any]]) -> None:
        super().__init__()
        self.next_free = next_free

    def body(self) -> dict[str, Any]:
        return {**super().body(), "next_free": self.next_free}


class CutoffPassedError(ConflictError):
    code = "too_late"
    message_en = (
        "It is too close to the appointment to book, move or cancel it here. Please call "
        "the office."
    )
    message_th = "ใกล้เวลานัดหมายเกินกว่าจะจอง เลื่อน หรือยกเลิกทางออนไลน์ได้ กรุณาติดต่อสำนักงาน"


class AlreadyBookedError(ConflictError):
    code = "already_booked"
    message_en = "You already have an appointment for this. Move it instead of booking again."
    message_th = "คุณมีนัดหมายสำหรับเรื่องนี้อยู่แล้ว กรุณาเลื่อนนัดเดิมแทนการจองใหม่"


class BookingClosedError(ConflictError):
    code = "booking_closed"
    message_en = "This appointment is no longer active."
    message_th = "การนัดหมายนี้สิ้นสุดหรือถูกยกเลิกแล้ว"


class CapacityBelowBookedError(ConflictError):
    code = "capacity_below_booked"
    message_en = "More citizens have booked this slot than the new capacity."
    message_th = "จำนวนผู้จองช่วงเวลานี้มากกว่าจำนวนที่รับได้ใหม่"


class CheckInNotTodayError(ConflictError):
    code = "not_today"
    message_en = "This appointment is not today. Check the date with the citizen."
    message_th = "การนัดหมายนี้ไม่ใช่วันนี้ กรุณาตรวจสอบวันนัดกับประชาชน"


class SlotOutsideHoursError(ValidationFailedError):
    def __init__(self, index: int, en: str, th: str) -> None:
        super().__init__(fields={f"slots[{index}]": {"en": en, "th": th}})

    @classmethod
    def for_field(cls, field: str, en: str, th: str) -> ValidationFailedError:
        return ValidationFailedError(fields={field: {"en": en, "th": th}})
