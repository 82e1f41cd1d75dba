"""The performance domain's errors (answered as 4xx JSON {"code", "message"})."""

from __future__ import annotations

from backend.lib.errors import NotFoundError

__all__ = ["FiguresNotReadyError", "UnknownAgencyError", "UnknownMonthError"]


class UnknownAgencyError(NotFoundError):
    code = "unknown_agency"
    message_en = "No figures for this agency."
    message_th = "ไม่มีตัวเลขของหน่วยงานนี้"


class UnknownMonthError(NotFoundError):
    code = "unknown_month"
    message_en = "No figures for this month: the last 12 months are kept."
    message_th = "ไม่มีตัวเลขของเดือนนี้ แสดงได้เฉพาะ 12 เดือนล่าสุด"


class FiguresNotReadyError(NotFoundError):
    code = "figures_not_ready"
    message_en = "The figures have not been computed yet: the worker computes them every hour."
    message_th = "ยังไม่มีตัวเลข ระบบคำนวณใหม่ทุกชั่วโมง"
