"""The date an agency gives a citizen to answer a request for information by."""

from __future__ import annotations

import datetime as dt

from backend.agency_api.errors import field_message
from backend.agency_api.schemas import StatusChange
from backend.lib.workdays import BANGKOK, is_working_day

__all__ = ["MAX_REPLY_DAYS", "reply_by_problem"]

MAX_REPLY_DAYS = 90
"""The furthest reply-by date, in calendar days: a longer wait is no deadline at all."""


def reply_by_problem(change: StatusChange) -> dict[str, str] | None:
    """Why `reply_by` cannot be the date (None if it can): only with needs_info, a working
    day after today in Thailand, within MAX_REPLY_DAYS."""
    day = change.reply_by
    assert day is not None
    today = dt.datetime.now(BANGKOK).date()
    if change.status != "needs_info":
        return field_message(
            "Only a needs_info change has a reply-by date.",
            "กำหนดวันตอบได้เฉพาะเมื่อขอข้อมูลเพิ่ม",
        )
    if day <= today:
        return field_message("The reply-by date must be after today.", "วันที่ต้องตอบต้องหลังวันนี้")
    if day > today + dt.timedelta(days=MAX_REPLY_DAYS):
        return field_message(
            f"The reply-by date must be within {MAX_REPLY_DAYS} days.",
            f"วันที่ต้องตอบต้องอยู่ภายใน {MAX_REPLY_DAYS} วัน",
        )
    if not is_working_day(day):
        return field_message(
            "The reply-by date must be a government working day (not a weekend or holiday).",
            "วันที่ต้องตอบต้องเป็นวันทำการของราชการ (ไม่ใช่วันหยุด)",
        )
    return None
