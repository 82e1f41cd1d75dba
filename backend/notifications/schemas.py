"""Notifications request/response types: push subscriptions, the notification centre and
preferences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.applications.status import Status
from backend.lib.schema import CamelStruct, I18n, Struct

__all__ = [
    "BrowserSubscription",
    "DeviceName",
    "ForgetSubscription",
    "MarkRead",
    "NotificationOut",
    "NotificationPage",
    "Preferences",
    "PreferencesUpdate",
    "PushKeys",
    "SubscriptionChange",
    "SubscriptionOut",
    "SubscriptionRegister",
    "SubscriptionRename",
    "Unread",
    "VapidKey",
]

MAX_ENDPOINT = 1024
DeviceName = Annotated[str, msgspec.Meta(max_length=60)]
Endpoint = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ENDPOINT)]


class PushKeys(Struct):
    p256dh: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    auth: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class BrowserSubscription(CamelStruct):
    """The browser's `PushSubscription.toJSON()`, as is."""

    endpoint: Endpoint
    keys: PushKeys
    expiration_time: int | None = None


class SubscriptionRegister(Struct):
    subscription: BrowserSubscription
    device_name: DeviceName = ""
    """The citizen's label for this device, e.g. "Android · Chrome"."""


class SubscriptionRename(Struct):
    device_name: DeviceName


class ForgetSubscription(Struct):
    endpoint: Endpoint


class SubscriptionChange(Struct):
    """From the service worker's `pushsubscriptionchange`: the browser replaced a
    subscription. Knowing the old one's endpoint and auth secret (which only that browser and
    the portal hold) is what proves the right to replace it; no session is needed, since the
    event may fire long after the citizen's session ended."""

    old_endpoint: Endpoint
    old_auth: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    subscription: BrowserSubscription


class SubscriptionOut(Struct):
    id: int
    device_name: str
    push_service: str
    """The push service's host name (fcm.googleapis.com …), to tell devices apart."""
    created_at: dt.datetime
    updated_at: dt.datetime
    current: bool = False
    """Registered from the session making this request (this device)."""


class VapidKey(Struct):
    public_key: str
    """`applicationServerKey` for `pushManager.subscribe` (base64url, uncompressed P-256)."""


class NotificationOut(Struct):
    id: int
    kind: str
    """status_update, needs_info, decision, or security (about the account itself: then no
    application, tracking code or status)."""
    application_id: int | None
    tracking_code: str
    status: Status | None
    text: I18n
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    service: I18n | None = None
    """The application's service, named in the app's list (a push stays bare: its payload
    carries no more than the lock screen should show)."""


class NotificationPage(Struct):
    items: list[NotificationOut]
    unread: int
    """Unread notifications in all (not only this page): the badge count."""
    next_cursor: int | None = None
    """Pass as `cursor` for the next (older) page."""


class MarkRead(Struct):
    ids: Annotated[list[int], msgspec.Meta(max_length=100)] = []
    all: bool = False
    """Mark every notification read (then `ids` is ignored)."""


class Unread(Struct):
    unread: int


class Preferences(Struct):
    muted: list[str]
    """Kinds not pushed (still listed in the notification centre)."""
    kinds: list[str]
    """Every kind there is: status_update, needs_info, decision."""
    language: str
    """Pushes are written in the account's language (changed in the profile)."""


class PreferencesUpdate(Struct):
    muted: Annotated[list[str], msgspec.Meta(max_length=10)]
