"""The notifications domain's parts: routes, what it does when an application's status
changes or a device signs out, the Web Push outbox handler, `portal vapid`, and its part of a
citizen's personal data."""

from __future__ import annotations

from backend.accounts.events import AccountNotice, SignedOut
from backend.applications.events import StatusChanged
from backend.fees.events import FeeDue, FeeOverdue, FeePaid
from backend.lib.webpush import load_or_create_vapid
from backend.notifications import personal_data, services, subscriptions
from backend.notifications.cli import vapid
from backend.notifications.controllers import (
    NotificationController,
    PreferenceController,
    PushController,
    SubscriptionController,
)
from backend.notifications.push_handler import WEBPUSH_KIND, WebPushHandler
from backend.settings import Settings
from backend.system.registry import OutboxKind, Registry

__all__ = ["register", "webpush_handler"]


def webpush_handler(settings: Settings) -> WebPushHandler:
    """Pushes signed with the portal's VAPID key; a subscription its push service says is
    gone is forgotten."""
    return WebPushHandler(load_or_create_vapid(settings), on_gone=subscriptions.forget)


def register(registry: Registry) -> None:
    registry.routes += [
        PushController,
        SubscriptionController,
        NotificationController,
        PreferenceController,
    ]
    registry.listen(StatusChanged, services.status_changed)
    for fee_event in (FeeDue, FeePaid, FeeOverdue):
        registry.listen(fee_event, services.fee_changed)
    registry.listen(SignedOut, subscriptions.on_signed_out)
    registry.listen(AccountNotice, services.account_notice)
    registry.outbox_kind(OutboxKind(WEBPUSH_KIND, webpush_handler))
    registry.commands.append(vapid)
    registry.personal_data.append(personal_data.PART)
