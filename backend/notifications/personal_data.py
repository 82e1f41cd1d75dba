"""The notifications domain's part of a citizen's PDPA rights (see privacy.services): their
notifications, muted kinds and devices; all erased (each device forgotten is audited, as on
signing out everywhere)."""

from __future__ import annotations

import json
from typing import Any

from backend.notifications.subscriptions import forget_account
from backend.notifications.tables import Notification, NotificationPreference, PushSubscription
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART"]


async def _export(account_id: int) -> dict[str, Any]:
    preference = (
        await NotificationPreference.select(NotificationPreference.muted)
        .where(NotificationPreference.account == account_id)
        .first()
    )
    return {
        "notifications": await Notification.select(
            Notification.created_at,
            Notification.kind,
            Notification.tracking_code,
            Notification.status,
            Notification.text_th,
            Notification.text_en,
            Notification.read_at,
        ).where(Notification.account == account_id),
        "muted_notifications": json.loads(preference["muted"]) if preference else [],
        "devices": await PushSubscription.select(
            PushSubscription.device_name, PushSubscription.created_at, PushSubscription.updated_at
        ).where(PushSubscription.account == account_id),
    }


async def _erase(erasure: Erasure) -> None:
    account_id = erasure.account_id
    erasure.counts["devices"] = await forget_account(erasure.actor, account_id)
    erasure.counts["notifications"] = len(
        await Notification.delete()
        .where(Notification.account == account_id)
        .returning(Notification.id)
    )
    await NotificationPreference.delete().where(NotificationPreference.account == account_id)


PART = PersonalData("notifications", export=_export, erase=_erase)
