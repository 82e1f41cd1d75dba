"""What the agency API and the officer console refuse (the signature checks' own refusals
are in guard.py, beside the checks)."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, ConflictError

__all__ = ["NoAgencyError", "ServiceSlugTakenError", "field_message"]


class NoAgencyError(AuthorizationError):
    code = "officer_without_agency"
    message_en = "Your officer account is not attached to an agency."
    message_th = "บัญชีเจ้าหน้าที่ของคุณยังไม่ได้ผูกกับหน่วยงาน"


class ServiceSlugTakenError(ConflictError):
    code = "service_slug_taken"
    message_en = "A service with this slug already exists."
    message_th = "มีบริการที่ใช้ชื่อย่อนี้แล้ว"


def field_message(en: str, th: str) -> dict[str, str]:
    """One field's problem, in both languages, for ValidationFailedError(fields=…)."""
    return {"en": en, "th": th}
