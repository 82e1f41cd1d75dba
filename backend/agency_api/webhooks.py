"""Agency webhooks: an event per submitted, withdrawn or answered application, POSTed to the
agency's URL by the outbox worker, signed with the agency's webhook secret.

Enqueued by `backend.applications.events` in the transaction of the change itself, so an
event exists exactly when the change committed. Delivery is at least once (a worker killed
after the POST but before recording it sends again): each event has an `id` to deduplicate.

    POST <url>
    X-Portal-Event-Id: evt_…
    X-Portal-Timestamp: 1767225600
    X-Portal-Signature: v1=hex(HMAC-SHA256(secret, "<timestamp>.<body>"))

    {"id": "evt_…", "type": "application.submitted", "created_at": "…",
     "agency": "DOPA", "data": {"application_id": 7, "tracking_code": "DOPA-…",
     "service": "id-card-replacement", "status": "submitted"}}

The payload names the application, never the citizen's answers: the agency fetches those with
its credentials (`GET /agency-api/v1/applications/{id}`), which is audited.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiohttp.abc import AbstractResolver, ResolveResult
from piccolo.querystring import QueryString

from backend.agency_api.credentials import agency_by_code
from backend.agency_api.keys import new_token, secret_box
from backend.agency_api.schemas import DeadWebhook, WebhookOut, WebhookUpdate
from backend.agency_api.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WEBHOOK_EVENT_HEADER,
    sign_webhook,
)
from backend.agency_api.tables import AgencyWebhook
from backend.applications.events import ApplicationEvent, NeedsInfoAnswered, StatusChanged
from backend.lib.db import current_engine, write_transaction
from backend.lib.errors import NotFoundError, ValidationFailedError
from backend.lib.metrics import http_outcome, metrics
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.catalog_memory import catalog_memo
from backend.system.hotcache import EVERYONE, announce, forget_here
from backend.system.outbox.http import HttpHandler
from backend.system.outbox.outcomes import Dead, Delivered, Drop, Message, Outcome, Retry
from backend.system.outbox.queue import (
    DeadMessage,
    NewMessage,
    OutboxMessageNotFoundError,
    enqueue_later,
    list_dead,
    replay,
)
from backend.system.tables import OutboxMessage

__all__ = [
    "EVENT_TYPES",
    "WEBHOOK_KIND",
    "PrivateAddressError",
    "WebhookHandler",
    "bound_to",
    "check_webhook_url",
    "configure_webhook",
    "dead_webhooks",
    "enqueue_event",
    "get_webhook",
    "replay_webhook",
]

WEBHOOK_KIND = "webhook"

EVENT_TYPES = {
    "submitted": "application.submitted",
    "withdrawn": "application.withdrawn",
    "needs_info_answered": "application.needs_info_answered",
}

TIMEOUT_S = 10.0
"""A whole delivery; an agency endpoint should answer at once and work asynchronously."""

MAX_CONNECTIONS = 50
MAX_RETRY_AFTER_S = 3600.0
"""An agency's Retry-After is honoured up to an hour."""
USER_AGENT = "CitizenPortal-Webhooks/1"


class PrivateAddressError(OSError):
    """The webhook host resolves to an address the portal must not call."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def _private_literal(url: str) -> bool:
    """The URL's host is an IP address that is not public."""
    host = urlsplit(url).hostname or ""
    try:
        return not _public(host)
    except ValueError:  # a name, not an address
        return False


def _invalid_url(en: str, th: str) -> ValidationFailedError:
    return ValidationFailedError(fields={"url": {"en": en, "th": th}})


async def check_webhook_url(url: str, settings: Settings) -> str:
    """An http(s) URL whose host, unless AGENCY_WEBHOOK_ALLOW_PRIVATE, resolves only to
    public addresses (a webhook must not be a way into the portal's own network)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        raise _invalid_url("Use an http:// or https:// URL.", "ใช้ URL แบบ http:// หรือ https://")
    try:
        port = parts.port
    except ValueError:
        raise _invalid_url("The port is not valid.", "หมายเลขพอร์ตไม่ถูกต้อง") from None
    if settings.agency_webhook_allow_private:
        return parts.geturl()
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80)
        )
    except OSError:
        raise _invalid_url("The host name does not resolve.", "ไม่พบชื่อโฮสต์นี้") from None
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise _invalid_url(
            "The URL points to a private or loopback address.", "URL ชี้ไปยังที่อยู่ภายในเครือข่าย"
        )
    return parts.geturl()


def bound_to(agency_id: int) -> str:
    """What an agency's sealed webhook secret is bound to (keys.SecretBox)."""
    return f"webhook:{agency_id}"


class WebhookNotConfiguredError(NotFoundError):
    code = "webhook_not_configured"
    message_en = "This agency has no webhook."
    message_th = "หน่วยงานนี้ยังไม่ได้ตั้งค่า webhook"


def _out(row: dict[str, Any], secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        url=row["url"], enabled=row["enabled"], updated_at=row["updated_at"], secret=secret
    )


async def get_webhook(agency_code: str) -> WebhookOut:
    agency = await agency_by_code(agency_code)
    row = await AgencyWebhook.select().where(AgencyWebhook.agency == agency["id"]).first()
    if row is None:
        raise WebhookNotConfiguredError()
    return _out(row)


async def configure_webhook(
    actor: Actor, agency_code: str, update: WebhookUpdate, *, settings: Settings
) -> WebhookOut:
    """Set the agency's URL and switch; a signing secret is issued (and shown in this answer
    only) the first time or on request."""
    url = await check_webhook_url(update.url, settings)
    async with write_transaction():
        agency = await agency_by_code(agency_code)
        row = await AgencyWebhook.select().where(AgencyWebhook.agency == agency["id"]).first()
        now = dt.datetime.now(dt.UTC)
        secret = None
        values: dict[Any, Any] = {
            AgencyWebhook.url: url,
            AgencyWebhook.enabled: update.enabled,
            AgencyWebhook.updated_at: now,
        }
        if row is None or update.new_secret:
            secret = new_token("whsec_", 32)
            values[AgencyWebhook.secret_encrypted] = secret_box(settings).seal(
                secret, bound_to=bound_to(agency["id"])
            )
        if row is None:
            await AgencyWebhook.insert(
                AgencyWebhook(agency=agency["id"], **{c._meta.name: v for c, v in values.items()})
            )
        else:
            await AgencyWebhook.update(values).where(AgencyWebhook.id == row["id"])
        await record(
            "agency_webhook.configured",
            actor,
            object_type="agency",
            object_id=agency["code"],
            detail={"url": url, "enabled": update.enabled, "new_secret": secret is not None},
        )
        # Every process forgets whether the agency's webhook is on (`enqueue_event`).
        await announce(EVERYONE)
        saved = await AgencyWebhook.select().where(AgencyWebhook.agency == agency["id"]).first()
    forget_here(EVERYONE)
    assert saved is not None
    return _out(saved, secret)


def _dead(message: DeadMessage) -> DeadWebhook:
    event = message.payload.get("event") or {}
    return DeadWebhook(
        id=message.id,
        agency=str(event.get("agency", "")),
        event_id=str(event.get("id", "")),
        event_type=str(event.get("type", "")),
        attempts=message.attempts,
        last_error=message.last_error,
        created_at=message.created_at,
        finished_at=message.finished_at,
    )


async def dead_webhooks(agency_code: str | None, limit: int) -> list[DeadWebhook]:
    """Dead-lettered webhook deliveries, newest first (of one agency, or all)."""
    if agency_code is None:
        return [_dead(m) for m in await list_dead(WEBHOOK_KIND, limit)]
    agency = await agency_by_code(agency_code)
    # Filtered here rather than in SQL: dead letters are few, and the payload is JSON text.
    found = await list_dead(WEBHOOK_KIND, 10 * limit)
    return [_dead(m) for m in found if m.payload.get("agency_id") == agency["id"]][:limit]


async def replay_webhook(actor: Actor, message_id: int) -> None:
    """Deliver a dead-lettered webhook again (a fresh set of attempts, due now)."""
    kind = await OutboxMessage.select(OutboxMessage.kind).where(OutboxMessage.id == message_id)
    if not kind or kind[0]["kind"] != WEBHOOK_KIND:
        raise OutboxMessageNotFoundError()
    async with write_transaction():
        await replay(message_id)
        await record("agency_webhook.replayed", actor, object_type="outbox", object_id=message_id)


async def on_status_changed(event: StatusChanged) -> None:
    """Listener: a submission or a withdrawal is an event for the agency's webhook."""
    if event.new_status in EVENT_TYPES:
        await enqueue_event(event, event.new_status)


async def on_needs_info_answered(event: NeedsInfoAnswered) -> None:
    """Listener: the citizen's answer is an event for the agency's webhook."""
    await enqueue_event(event, "needs_info_answered")


async def enqueue_event(app: ApplicationEvent, event: str) -> None:
    """Queue the event for the application's agency, if it has an enabled webhook. Runs in
    the caller's transaction (see applications.events). Whether it has one, and the codes the
    event names, are remembered by each process until the catalog changes (system.hotcache;
    `configure_webhook` announces it)."""
    agency = await catalog_memo(("webhook", app.agency_id), lambda: _hook_of(app.agency_id))
    if agency is None or not agency[0]:
        return
    service = await catalog_memo(("slug", app.service_id), lambda: _slug_of(app.service_id))
    event_id = new_token("evt_", 16)
    payload = {
        "agency_id": app.agency_id,
        "event": {
            "id": event_id,
            "type": EVENT_TYPES[event],
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "agency": agency[1],
            "data": {
                "application_id": app.application_id,
                "tracking_code": app.tracking_code,
                "service": service or "",
                "status": "in_review" if event == "needs_info_answered" else event,
            },
        },
    }
    await enqueue_later([NewMessage(WEBHOOK_KIND, payload, dedupe_key=f"webhook:{event_id}")])


_HOOK = (
    "SELECT g.code, EXISTS (SELECT 1 FROM agency_webhook h WHERE h.agency = g.id "
    "AND h.enabled) AS hooked FROM agency g WHERE g.id = {}"
)


async def _hook_of(agency_id: int) -> tuple[bool, str] | None:
    """(whether the agency has an enabled webhook, its code), in one statement."""
    rows = await current_engine().run_querystring(QueryString(_HOOK, agency_id))
    return (bool(rows[0]["hooked"]), str(rows[0]["code"])) if rows else None


async def _slug_of(service_id: int) -> str | None:
    rows = await current_engine().run_querystring(
        QueryString("SELECT slug FROM service WHERE id = {}", service_id)
    )
    return str(rows[0]["slug"]) if rows else None


class _PublicOnlyResolver(AbstractResolver):
    """Resolves as usual, then refuses private addresses: checked at connect time, so a
    host that resolved to a public address when the URL was saved cannot later point the
    worker at the internal network (DNS rebinding)."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if not all(_public(r["host"]) for r in found):
            raise PrivateAddressError(f"{host} resolves to a private address")
        return found

    async def close(self) -> None:
        await self._inner.close()


class WebhookHandler(HttpHandler):
    """Delivers `webhook` outbox messages over one aiohttp session (`async with`)."""

    max_attempts = 60
    """With the worker's backoff (2 s doubling to an hour, full jitter) about a day: an
    agency's server may be down for maintenance overnight without events dying."""

    def __init__(self, settings: Settings, *, timeout_s: float = TIMEOUT_S) -> None:
        super().__init__()
        self._settings = settings
        self._timeout_s = timeout_s

    def new_session(self) -> aiohttp.ClientSession:
        resolver = None if self._settings.agency_webhook_allow_private else _PublicOnlyResolver()
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, resolver=resolver),
            headers={"User-Agent": USER_AGENT},
        )

    async def __call__(self, message: Message) -> Outcome:
        event = message.payload.get("event")
        agency_id = message.payload.get("agency_id")
        if not isinstance(event, dict) or not isinstance(agency_id, int):
            return Dead("malformed webhook payload")
        # Read at delivery, not at enqueue: a fixed URL or a new secret applies to retries.
        hook = (
            await AgencyWebhook.select(
                *AgencyWebhook.all_columns(), AgencyWebhook.agency.code.as_alias("agency_code")
            )
            .where(AgencyWebhook.agency == agency_id)
            .first()
        )
        if hook is None or not hook["enabled"]:
            return Drop("the agency's webhook is not enabled")
        secret = secret_box(self._settings).open(
            hook["secret_encrypted"], bound_to=bound_to(agency_id)
        )
        if not self._settings.agency_webhook_allow_private and _private_literal(hook["url"]):
            # aiohttp does not resolve an IP literal, so the resolver cannot refuse it.
            return Dead(f"{hook['url']} is a private address")
        body = msgspec.json.encode(event)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            WEBHOOK_EVENT_HEADER: str(event.get("id", "")),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
        }
        try:
            async with self.session.post(
                hook["url"],
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout_s),
                allow_redirects=False,
            ) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After", "")
        except PrivateAddressError as exc:
            return Dead(str(exc))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            _count(hook["agency_code"], http_outcome(None, timed_out=isinstance(exc, TimeoutError)))
            return Retry(None, f"{type(exc).__name__}: {exc}")
        _count(hook["agency_code"], http_outcome(status))
        if 200 <= status < 300:
            return Delivered()
        if status == 429 or status >= 500:
            after = min(float(retry_after), MAX_RETRY_AFTER_S) if retry_after.isdigit() else None
            return Retry(after, f"HTTP {status}")
        # Another 4xx (or a redirect): the agency refused it; sending it again would not
        # help until someone fixes the endpoint and replays the dead letter.
        return Dead(f"HTTP {status}")


def _count(agency: str, outcome: str) -> None:
    counted = metrics()
    counted.webhooks.labels(agency, outcome).inc()
    counted.deliveries.labels(WEBHOOK_KIND, agency, outcome).inc()
