"""What the catalog domain refuses, with the words the person sees."""

from __future__ import annotations

from backend.lib.errors import NotFoundError

__all__ = ["ServiceNotFoundError"]


class ServiceNotFoundError(NotFoundError):
    code = "service_not_found"
    message_en = "This service does not exist or is not published."
    message_th = "ไม่พบบริการนี้ หรือยังไม่เปิดให้บริการ"
