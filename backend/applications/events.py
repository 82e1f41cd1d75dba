"""What else happens when an application changes, inside the same transaction.

The status change, its history row and everything queued here commit together: a push or a
webhook is never sent for a change that rolled back, and never lost for one that committed.
"""

from __future__ import annotations

from typing import Any

from backend.agency_api import webhooks
from backend.notifications import services as notifications

__all__ = ["needs_info_answered", "status_changed"]


async def status_changed(
    app: dict[str, Any], new_status: str, *, message_th: str, message_en: str
) -> None:
    """Called by every status change, before commit."""
    await notifications.status_changed(app, new_status)
    if new_status in webhooks.EVENT_TYPES:  # agency webhooks: submitted, withdrawn
        await webhooks.enqueue_event(app, new_status)
    del app, new_status, message_th, message_en


async def needs_info_answered(app: dict[str, Any]) -> None:
    """Called when the citizen answers a needs_info request, before commit."""
    await webhooks.enqueue_event(app, "needs_info_answered")
    del app
