"""What the notifications domain refuses, with the words the person sees."""

from __future__ import annotations

from backend.lib.errors import AuthorizationError, NotFoundError, ValidationFailedError
from backend.notifications.messages import KINDS

__all__ = [
    "InvalidPushSubscriptionError",
    "KioskSubscriptionError",
    "NotificationNotFoundError",
    "SubscriptionNotFoundError",
    "UnknownKindError",
]


class SubscriptionNotFoundError(NotFoundError):
    code = "push_subscription_not_found"
    message_en = "There is no such device receiving notifications."
    message_th = "ไม่พบอุปกรณ์ที่รับการแจ้งเตือนนี้"


class KioskSubscriptionError(AuthorizationError):
    code = "push_not_on_kiosk"
    message_en = "Notifications cannot be turned on at a kiosk: it is a shared device."
    message_th = "เปิดการแจ้งเตือนที่ตู้บริการไม่ได้ เพราะเป็นเครื่องที่ใช้ร่วมกัน"


class InvalidPushSubscriptionError(ValidationFailedError):
    code = "invalid_push_subscription"
    message_en = "This browser's notification subscription cannot be used."
    message_th = "ไม่สามารถใช้การรับแจ้งเตือนของเบราว์เซอร์นี้ได้"

    def __init__(self, field: str, en: str, th: str) -> None:
        super().__init__(fields={f"subscription.{field}": {"en": en, "th": th}})


class NotificationNotFoundError(NotFoundError):
    code = "notification_not_found"
    message_en = "Notification not found."
    message_th = "ไม่พบการแจ้งเตือน"


class UnknownKindError(ValidationFailedError):
    code = "unknown_notification_kind"

    def __init__(self, kind: str) -> None:
        choices = ", ".join(KINDS)
        super().__init__(
            fields={
                "muted": {
                    "en": f"Unknown kind “{kind}”: use {choices}.",
                    "th": f"ไม่มีประเภท “{kind}” ใช้ได้เฉพาะ {choices}",
                }
            }
        )
