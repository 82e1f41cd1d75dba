"""A citizen's push subscriptions: one per browser that said yes to notifications.

A subscription is keyed by its endpoint: registering the same endpoint again updates the row
(new keys, new label, the session that registered it), never adds a second one. It is
forgotten when the citizen removes it, signs out of the session that registered it (or out of
every session), when the push service answers 404/410 (`forget`, the worker's `on_gone`),
or when the browser replaces it (`replace`, from the service worker's
`pushsubscriptionchange`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.querystring import QueryString

from backend.accounts.events import SignedOut
from backend.lib.db import current_engine, is_postgres, write_transaction
from backend.notifications.errors import (
    InvalidPushSubscriptionError,
    SubscriptionNotFoundError,
)
from backend.notifications.schemas import BrowserSubscription, SubscriptionOut
from backend.notifications.tables import PushSubscription
from backend.settings import Settings
from backend.system.audit import Actor, record

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "check_subscription",
    "forget",
    "forget_account",
    "forget_endpoint",
    "forget_session",
    "list_subscriptions",
    "on_signed_out",
    "register",
    "remove",
    "rename",
    "replace",
]

MAX_SUBSCRIPTIONS = 10
"""Per citizen. Browsers replace endpoints now and then; past this the least recently
registered one goes, so dead rows cannot pile up."""

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Registered:
    id: int
    created: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    for pattern in allowed:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def check_subscription(subscription: BrowserSubscription, settings: Settings) -> None:
    """Refuse an endpoint the worker must not POST to (not https, not a known push service:
    a way to make the portal call internal hosts) and keys no push could be encrypted to."""
    url = urlsplit(subscription.endpoint)
    host = (url.hostname or "").lower()
    try:
        port = url.port
    except ValueError:
        port = -1
    known = (
        url.scheme == "https"
        and port in {None, 443}
        and not url.username
        and _host_allowed(host, settings.push_hosts)
    )
    local = settings.push_allow_loopback_http and url.scheme == "http" and host == LOOPBACK
    if not (known or local):
        raise InvalidPushSubscriptionError(
            "endpoint",
            "Notifications can only be sent through a known push service.",
            "ส่งการแจ้งเตือนได้เฉพาะผ่านบริการพุชที่รู้จักเท่านั้น",
        )
    try:
        # RFC 8291 §3: an uncompressed P-256 point and a 16-byte secret.
        ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), _b64url(subscription.keys.p256dh)
        )
        valid_auth = len(_b64url(subscription.keys.auth)) == 16
    except (ValueError, binascii.Error):
        valid_auth = False
    if not valid_auth:
        raise InvalidPushSubscriptionError(
            "keys",
            "The browser sent keys that cannot be used.",
            "เบราว์เซอร์ส่งกุญแจที่ใช้ไม่ได้",
        )


_UPSERT = (
    "INSERT INTO push_subscription "
    "(account, endpoint, p256dh, auth, device_name, session, created_at, updated_at) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}, {}) "
    "ON CONFLICT (endpoint) DO UPDATE SET account = excluded.account, "
    "p256dh = excluded.p256dh, auth = excluded.auth, session = excluded.session, "
    "updated_at = excluded.updated_at, device_name = CASE WHEN excluded.device_name = '' "
    "THEN push_subscription.device_name ELSE excluded.device_name END "
    "RETURNING id, created_at"
)
"""One statement, so two registrations of one endpoint at once cannot both insert. Moving
the row to the account registering it is deliberate: on a shared phone, pushes follow
whoever signed in and turned notifications on last."""

_TRIM = (
    "DELETE FROM push_subscription WHERE account = {} AND id NOT IN "
    "(SELECT id FROM push_subscription WHERE account = {} "
    "ORDER BY updated_at DESC, id DESC LIMIT {}) RETURNING id"
)


async def register(
    actor: Actor,
    account_id: int,
    session_id: int,
    subscription: BrowserSubscription,
    device_name: str,
    settings: Settings,
) -> Registered:
    """Add or refresh this browser's subscription for `account_id`."""
    check_subscription(subscription, settings)
    now = _now()
    async with write_transaction():
        rows = await current_engine().run_querystring(
            QueryString(
                _UPSERT,
                account_id,
                subscription.endpoint,
                subscription.keys.p256dh,
                subscription.keys.auth,
                device_name.strip(),
                session_id,
                now,
                now,
            )
        )
        registered = Registered(id=rows[0]["id"], created=rows[0]["created_at"] == now)
        await current_engine().run_querystring(
            QueryString(_TRIM, account_id, account_id, MAX_SUBSCRIPTIONS)
        )
        if registered.created:
            await record(
                "push.subscribed",
                actor,
                subject_account_id=account_id,
                object_type="push_subscription",
                object_id=registered.id,
            )
    return registered


def _out(row: dict[str, Any], session_id: int | None) -> SubscriptionOut:
    return SubscriptionOut(
        id=row["id"],
        device_name=row["device_name"],
        push_service=urlsplit(row["endpoint"]).hostname or "",
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        current=session_id is not None and row["session"] == session_id,
    )


async def list_subscriptions(account_id: int, session_id: int | None) -> list[SubscriptionOut]:
    """This citizen's devices, most recently registered first."""
    rows = (
        await PushSubscription.select(
            PushSubscription.id,
            PushSubscription.device_name,
            PushSubscription.endpoint,
            PushSubscription.session,
            PushSubscription.created_at,
            PushSubscription.updated_at,
        )
        .where(PushSubscription.account == account_id)
        .order_by(PushSubscription.updated_at, ascending=False)
    )
    return [_out(row, session_id) for row in rows]


async def rename(account_id: int, subscription_id: int, device_name: str) -> SubscriptionOut:
    rows = (
        await PushSubscription.update({PushSubscription.device_name: device_name.strip()})
        .where((PushSubscription.id == subscription_id) & (PushSubscription.account == account_id))
        .returning(*PushSubscription.all_columns())
    )
    if not rows:
        raise SubscriptionNotFoundError()
    return _out(rows[0], None)


async def _delete(actor: Actor, account_id: int | None, where: Any) -> int:
    rows = await PushSubscription.delete().where(where).returning(PushSubscription.id)
    for row in rows:
        await record(
            "push.unsubscribed",
            actor,
            subject_account_id=account_id,
            object_type="push_subscription",
            object_id=row["id"],
        )
    return len(rows)


async def remove(actor: Actor, account_id: int, subscription_id: int) -> None:
    """The citizen removes one of their devices (404 for anyone else's)."""
    mine = (PushSubscription.id == subscription_id) & (PushSubscription.account == account_id)
    if not await _delete(actor, account_id, mine):
        raise SubscriptionNotFoundError()


async def forget_endpoint(actor: Actor, account_id: int, endpoint: str) -> None:
    """The PWA signing out (or turning notifications off) forgets its own subscription."""
    mine = (PushSubscription.endpoint == endpoint) & (PushSubscription.account == account_id)
    if not await _delete(actor, account_id, mine):
        raise SubscriptionNotFoundError()


async def forget_session(actor: Actor, account_id: int | None, session_id: int) -> int:
    """Sign-out of one session: the device it was on stops receiving this citizen's news."""
    return await _delete(actor, account_id, PushSubscription.session == session_id)


async def forget_account(actor: Actor, account_id: int) -> int:
    """Sign-out everywhere (e.g. a lost phone): no device receives this citizen's news."""
    return await _delete(actor, account_id, PushSubscription.account == account_id)


async def on_signed_out(event: SignedOut) -> None:
    """Listener: the device signed out of stops receiving the account's news; signing out
    everywhere stops every device's."""
    if event.session_id is not None:
        await forget_session(event.actor, event.account_id, event.session_id)
    elif event.account_id is not None:
        await forget_account(event.actor, event.account_id)


async def forget(subscription_id: int) -> None:
    """The worker's `on_gone`: the push service says the subscription no longer exists."""
    await PushSubscription.delete().where(PushSubscription.id == subscription_id)


_FIND = "SELECT id, auth FROM push_subscription WHERE endpoint = {}"
_FIND_FOR_UPDATE = _FIND + " FOR UPDATE"


async def replace(
    old_endpoint: str, old_auth: str, subscription: BrowserSubscription, settings: Settings
) -> None:
    """The browser replaced a subscription (`pushsubscriptionchange`): move the row, with its
    account and label, to the new endpoint and keys. The old auth secret is the proof."""
    check_subscription(subscription, settings)
    async with write_transaction():
        sql = _FIND_FOR_UPDATE if is_postgres() else _FIND
        rows = await current_engine().run_querystring(QueryString(sql, old_endpoint))
        if not rows or not hmac.compare_digest(rows[0]["auth"].encode(), old_auth.encode()):
            raise SubscriptionNotFoundError()
        row_id = rows[0]["id"]
        # The page may have registered the new endpoint already: keep one row.
        await PushSubscription.delete().where(
            (PushSubscription.endpoint == subscription.endpoint) & (PushSubscription.id != row_id)
        )
        await PushSubscription.update(
            {
                PushSubscription.endpoint: subscription.endpoint,
                PushSubscription.p256dh: subscription.keys.p256dh,
                PushSubscription.auth: subscription.keys.auth,
                PushSubscription.updated_at: _now(),
            }
        ).where(PushSubscription.id == row_id)
