"""Notifications HTTP API: the VAPID key, a citizen's push subscriptions (devices), the
notification centre and preferences."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.lib.webpush import load_or_create_vapid
from backend.notifications import services, subscriptions
from backend.notifications.errors import KioskSubscriptionError
from backend.notifications.schemas import (
    ForgetSubscription,
    MarkRead,
    NotificationPage,
    Preferences,
    PreferencesUpdate,
    SubscriptionChange,
    SubscriptionOut,
    SubscriptionRegister,
    SubscriptionRename,
    Unread,
    VapidKey,
)
from backend.settings import Settings
from backend.system.ratelimit import Limit, check

__all__ = [
    "NotificationController",
    "PreferenceController",
    "PushController",
    "SubscriptionController",
]

VAPID_KEY_CACHE = CacheControlHeader(public=True, max_age=3600)
"""An hour: after `portal vapid --rotate` (and a restart) phones pick up the new key soon."""

SUBSCRIPTION_CHANGE_IP = Limit("push-change:ip", 30, 3600)
"""The change endpoint needs no session: bound the guessing of old endpoint + secret pairs."""

PRIVATE = {"Cache-Control": "private, no-cache"}


@functools.lru_cache(maxsize=4)
def _public_key(vapid_private_key: str, var_dir: str, subject: str) -> str:
    settings = Settings(vapid_private_key=vapid_private_key, var_dir=var_dir, vapid_subject=subject)
    return load_or_create_vapid(settings).public_key_b64url


class PushController(Controller):
    """What a browser needs before and after subscribing, signed in or not."""

    path = "/api/v1/push"
    tags = ["notifications"]

    @get("/vapid-public-key", operation_id="getVapidPublicKey", cache_control=VAPID_KEY_CACHE)
    async def vapid_public_key(self, settings: NamedDependency[Settings]) -> VapidKey:
        """The `applicationServerKey` to subscribe with. It changes only when an operator
        rotates it; subscriptions made with an older key must subscribe again."""
        return VapidKey(
            public_key=_public_key(
                settings.vapid_private_key, settings.var_dir, settings.vapid_subject
            )
        )

    @post(
        "/subscription-change",
        operation_id="replacePushSubscription",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def subscription_change(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SubscriptionChange],
        settings: NamedDependency[Settings],
    ) -> None:
        """The service worker's `pushsubscriptionchange`: the browser replaced its
        subscription. Proven by the old endpoint and auth secret, not by a session."""
        await check([(SUBSCRIPTION_CHANGE_IP, request.client.host if request.client else "")])
        await subscriptions.replace(data.old_endpoint, data.old_auth, data.subscription, settings)


class SubscriptionController(Controller):
    """The devices that receive my notifications."""

    path = "/api/v1/me/push-subscriptions"
    tags = ["notifications"]
    guards = [requires_role("citizen")]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="listPushSubscriptions", cache_control=None)
    async def list_devices(self, auth: NamedDependency[Auth]) -> Response[list[SubscriptionOut]]:
        """My devices; `current` marks the one this session registered."""
        found = await subscriptions.list_subscriptions(auth.require_account(), auth.session.id)
        return Response(found, headers=PRIVATE)

    @post("/", operation_id="registerPushSubscription")
    async def register(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[SubscriptionRegister],
    ) -> Response[SubscriptionOut]:
        """Register this browser's PushSubscription (201), or refresh it (200) — the same
        endpoint is never stored twice. Never at a kiosk (403): the next citizen would see
        this one's notifications."""
        if auth.acting_for is not None or auth.kiosk_id is not None:
            raise KioskSubscriptionError()
        account_id = auth.require_account()
        registered = await subscriptions.register(
            auth.actor(),
            account_id,
            auth.session.id,
            data.subscription,
            data.device_name,
            settings,
        )
        found = await subscriptions.list_subscriptions(account_id, auth.session.id)
        row = next(s for s in found if s.id == registered.id)
        return Response(row, status_code=HTTP_201_CREATED if registered.created else HTTP_200_OK)

    @patch("/{subscription_id:int}", operation_id="renamePushSubscription")
    async def rename(
        self,
        auth: NamedDependency[Auth],
        subscription_id: FromPath[int],
        data: JSONBody[SubscriptionRename],
    ) -> SubscriptionOut:
        """Rename a device."""
        return await subscriptions.rename(auth.require_account(), subscription_id, data.device_name)

    @delete("/{subscription_id:int}", operation_id="removePushSubscription")
    async def remove(self, auth: NamedDependency[Auth], subscription_id: FromPath[int]) -> None:
        """Stop notifications to one of my devices."""
        await subscriptions.remove(auth.actor(), auth.require_account(), subscription_id)

    @post("/forget", operation_id="forgetPushSubscription", status_code=HTTP_204_NO_CONTENT)
    async def forget(self, auth: NamedDependency[Auth], data: JSONBody[ForgetSubscription]) -> None:
        """Forget this browser's subscription by its endpoint (the PWA, before signing out or
        when notifications are turned off)."""
        await subscriptions.forget_endpoint(auth.actor(), auth.require_account(), data.endpoint)


class NotificationController(Controller):
    """My notification centre: what the portal told me, also while my phone was off."""

    path = "/api/v1/me/notifications"
    tags = ["notifications"]
    guards = [requires_role("citizen")]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="listNotifications", cache_control=None)
    async def list_notifications(
        self,
        auth: NamedDependency[Auth],
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 20,
        cursor: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Response[NotificationPage]:
        """Newest first, with the unread count; `cursor` pages to older ones."""
        page = await services.list_notifications(auth.require_account(), limit=limit, cursor=cursor)
        return Response(page, headers=PRIVATE)

    @post("/read", operation_id="markNotificationsRead", status_code=HTTP_200_OK)
    async def mark_read(self, auth: NamedDependency[Auth], data: JSONBody[MarkRead]) -> Unread:
        """Mark notifications read: the given `ids`, or `all`."""
        unread = await services.mark_read(auth.require_account(), data.ids, everything=data.all)
        return Unread(unread=unread)


class PreferenceController(Controller):
    """Which kinds of notification I want pushed."""

    path = "/api/v1/me/notification-preferences"
    tags = ["notifications"]
    guards = [requires_role("citizen")]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getNotificationPreferences", cache_control=None)
    async def get_preferences(self, auth: NamedDependency[Auth]) -> Response[Preferences]:
        """Muted kinds, every kind there is, and the language pushes are written in."""
        return Response(await services.preferences(auth.require_account()), headers=PRIVATE)

    @put("/", operation_id="setNotificationPreferences")
    async def set_preferences(
        self, auth: NamedDependency[Auth], data: JSONBody[PreferencesUpdate]
    ) -> Preferences:
        """Choose which kinds are not pushed (they still appear in the notification centre)."""
        return await services.set_muted(auth.require_account(), data.muted)
