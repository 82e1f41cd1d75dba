"""The `webpush` outbox handler: one queued message → one Web Push.

Payload (build it with `webpush_payload`)::

    {"endpoint", "p256dh", "auth",          # the browser's PushSubscription
     "body": {...},                         # JSON object the service worker receives
     "ttl", "urgency", "topic",             # RFC 8030 headers
     "subscription_id"}                     # ours, for `on_gone`
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec

from backend.lib import webpush
from backend.lib.metrics import http_outcome, metrics
from backend.system.outbox.http import HttpHandler
from backend.system.outbox.outcomes import Dead, Delivered, Drop, Message, Outcome, Retry

__all__ = [
    "DEFAULT_TTL_S",
    "WEBPUSH_KIND",
    "OnGone",
    "PushMessage",
    "WebPushHandler",
    "webpush_payload",
]

log = logging.getLogger("portal.worker.webpush")

WEBPUSH_KIND = "webpush"

DEFAULT_TTL_S = 4 * 24 * 60 * 60
"""How long a push service keeps a message for an offline phone: a status change still
matters after a long weekend without signal."""

MAX_CONNECTIONS = 100
"""Open connections in the shared session, over all push services (above any sane
worker concurrency, so the pool never queues requests)."""

MAX_ORIGINS = 1000
"""Push service origins remembered as accepting our key (endpoints come from browsers)."""

OnGone = Callable[[int], Awaitable[None]]
"""Called with `subscription_id` when the push service says the subscription no longer
exists (404/410), or will never take our pushes (403, see `_outcome`); the subscriptions
code deletes it."""


class PushMessage(msgspec.Struct, frozen=True, kw_only=True):
    endpoint: str
    p256dh: str
    auth: str
    body: dict[str, Any]
    ttl: int = DEFAULT_TTL_S
    urgency: webpush.Urgency = "normal"
    topic: str | None = None
    subscription_id: int | None = None


def webpush_payload(
    subscription: webpush.Subscription,
    body: dict[str, Any],
    *,
    ttl: int = DEFAULT_TTL_S,
    urgency: webpush.Urgency = "normal",
    topic: str | None = None,
    subscription_id: int | None = None,
) -> dict[str, Any]:
    """The outbox payload for one push to `subscription` (the browser's toJSON() shape)."""
    message = PushMessage(
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        body=body,
        ttl=ttl,
        urgency=urgency,
        topic=topic,
        subscription_id=subscription_id,
    )
    payload: dict[str, Any] = msgspec.to_builtins(message)
    return payload


class WebPushHandler(HttpHandler):
    """Sends `webpush` messages over one aiohttp session, opened and closed with
    `async with` so connections to each push service are reused for the worker's life."""

    max_attempts = 16
    """About three hours of retries (the worker's backoff): a status change is still worth
    a push then; later the citizen sees it in the app anyway."""

    def __init__(
        self,
        vapid: webpush.VapidKeys,
        *,
        on_gone: OnGone | None = None,
        timeout_s: float = webpush.DEFAULT_TIMEOUT_S,
    ) -> None:
        super().__init__()
        self._vapid = vapid
        self._on_gone = on_gone
        self._timeout_s = timeout_s
        self._accepting: set[str] = set()
        """Push service origins that accepted a push signed with our key (this process)."""

    def new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, ttl_dns_cache=300)
        )

    async def __call__(self, message: Message) -> Outcome:
        try:
            push = msgspec.convert(message.payload, PushMessage)
        except msgspec.ValidationError as exc:
            return Dead(f"malformed webpush payload: {exc}")
        subscription: webpush.Subscription = {
            "endpoint": push.endpoint,
            "keys": {"p256dh": push.p256dh, "auth": push.auth},
        }
        try:
            result = await webpush.send(
                self.session,
                subscription,
                msgspec.json.encode(push.body),
                vapid=self._vapid,
                ttl=push.ttl,
                urgency=push.urgency,
                topic=push.topic,
                timeout_s=self._timeout_s,
            )
        except (
            webpush.PushPayloadTooLargeError,
            webpush.InvalidSubscriptionError,
            webpush.InvalidPushRequestError,
        ) as exc:
            return Dead(str(exc))
        return await self._outcome(result, push)

    async def _outcome(self, result: webpush.PushResult, push: PushMessage) -> Outcome:
        """403 is the push service refusing our VAPID signature (RFC 8292 §4.2). When it has
        accepted our pushes to other subscriptions, the fault is this subscription's: it
        was made for another key, before `portal vapid --rotate`, and can never receive a
        push again (its browser subscribes anew with the new key when the app starts), so
        it is forgotten like a 404/410 one. Without that proof the fault may be ours (a
        node with another key, a wrong clock): dead-lettered at once, nothing deleted."""
        origin = webpush.push_service_origin(push.endpoint)
        timed_out = result.http_status is None and "Timeout" in result.detail
        metrics().deliveries.labels(
            "webpush",
            urlsplit(push.endpoint).hostname or "",
            http_outcome(result.http_status, timed_out=timed_out),
        ).inc()
        match result.status:
            case "delivered":
                if origin not in self._accepting:
                    if len(self._accepting) >= MAX_ORIGINS:
                        self._accepting.clear()
                    self._accepting.add(origin)
                return Delivered()
            case "gone":
                await self._forget(push)
                return Drop(f"subscription gone: {result.detail}")
            case "failed" if result.http_status == 403 and origin in self._accepting:
                await self._forget(push)
                return Drop(f"subscription made for another VAPID key: {result.detail}")
            case "retry":
                return Retry(result.retry_after_s, result.detail)
            case _:  # too_large, failed: sending it again would fail the same way
                if result.http_status == 403:
                    log.warning(
                        "push service refused our VAPID signature; every node must use the "
                        "same VAPID key",
                        extra={"endpoint_origin": origin},
                    )
                return Dead(result.detail)

    async def _forget(self, push: PushMessage) -> None:
        if self._on_gone is not None and push.subscription_id is not None:
            await self._on_gone(push.subscription_id)
