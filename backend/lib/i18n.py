"""Dates for people: Thai in the Buddhist era, in Bangkok time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["BANGKOK", "format_datetime"]

BANGKOK = ZoneInfo("Asia/Bangkok")
_THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
_BUDDHIST_ERA_OFFSET = 543


def format_datetime(moment: dt.datetime, lang: str, *, time: bool = True) -> str:
    """'26 พ.ย. 2569 11:42' in Thai (Buddhist era), '26 Nov 2026 11:42' in English."""
    local = moment.astimezone(BANGKOK)
    clock = f" {local:%H:%M}" if time else ""
    if lang == "th":
        month = _THAI_MONTHS[local.month - 1]
        return f"{local.day} {month} {local.year + _BUDDHIST_ERA_OFFSET}{clock}"
    return f"{local.day} {local:%b %Y}{clock}"
