"""A citizen's notifications: written when an application's status changes, pushed to each
of their devices through the outbox, listed in the notification centre, marked read; and
which kinds they muted.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from piccolo.querystring import QueryString

from backend.accounts.events import AccountNotice
from backend.applications.events import StatusChanged
from backend.fees.events import FeeDue, FeeEvent, FeeOverdue, FeePaid
from backend.fees.services import baht
from backend.lib.db import current_engine, is_postgres, write_transaction
from backend.lib.schema import I18n
from backend.lib.statements import Statement, fetch
from backend.notifications.errors import NotificationNotFoundError, UnknownKindError
from backend.notifications.messages import (
    ACCOUNT_URL,
    KINDS,
    SECURITY,
    StatusNews,
    application_url,
    fee_news,
    fee_topic,
    news_for,
    notice_body,
    notice_text,
    push_body,
    push_topic,
)
from backend.notifications.push_handler import DEFAULT_TTL_S, WEBPUSH_KIND, webpush_payload
from backend.notifications.schemas import NotificationOut, NotificationPage, Preferences
from backend.notifications.tables import Notification
from backend.system.outbox.queue import NewMessage, enqueue_later

__all__ = [
    "MAX_PAGE",
    "account_notice",
    "fee_changed",
    "list_notifications",
    "mark_read",
    "preferences",
    "set_muted",
    "status_changed",
]

MAX_PAGE = 50


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_DEVICES = (
    "SELECT a.language, p.muted, s.id, s.endpoint, s.p256dh, s.auth FROM account a "
    "LEFT JOIN notification_preference p ON p.account = a.id "
    "LEFT JOIN push_subscription s ON s.account = a.id WHERE a.id = {}"
)
_RECIPIENT_STATEMENT = Statement(_DEVICES + " ORDER BY s.id")
"""The citizen's language and mutes, with their devices (a row each; one of NULLs without)."""


async def _recipient(account_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The account's language and mutes, and its devices."""
    rows = await fetch(_RECIPIENT_STATEMENT, account_id)
    return rows[0], [d for d in rows if d["id"] is not None]


_NOTIFICATION = (
    "INSERT INTO notification (account, kind, application, tracking_code, status, text_th, "
    "text_en, created_at, read_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, NULL) RETURNING id"
)

# Constants of this module; the values are parameters.
_NOTIFIED = (
    f"WITH n AS ({_NOTIFICATION}) SELECT n.id AS notification, r.* FROM n "  # noqa: S608
    f"CROSS JOIN ({_DEVICES}) r ORDER BY r.id"
)
"""On PostgreSQL the notification's insert and the recipient's read are one statement (one
round trip on the status change's path); plain SQL, as Piccolo's building of them cost more
CPU than running them."""
_NOTIFIED_STATEMENT = Statement(_NOTIFIED)
_NOTIFICATION_ONLY = Statement(_NOTIFICATION)


async def _notify(
    account_id: int,
    kind: str,
    application_id: int | None,
    tracking_code: str,
    status: str,
    text: tuple[str, str],
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """The notification written; its id, the account's language and mutes, and its devices."""
    values = (account_id, kind, application_id, tracking_code, status, *text, _now())
    if not is_postgres():
        [row] = await fetch(_NOTIFICATION_ONLY, *values)
        return int(row["id"]), *await _recipient(account_id)
    rows = await fetch(_NOTIFIED_STATEMENT, *values, account_id)
    return int(rows[0]["notification"]), rows[0], [d for d in rows if d["id"] is not None]


async def status_changed(event: StatusChanged) -> None:
    """Inside the status change's transaction: the notification for the citizen's history,
    and, unless they muted its kind, one push per subscribed device (to be sent by the
    worker after commit)."""
    news = news_for(event.old_status, event.new_status)
    if news is None:
        return
    await _tell(
        event.account_id,
        event.application_id,
        event.tracking_code,
        event.new_status,
        news,
        push_topic(event.application_id),
    )


_FEE_NEWS = {FeeDue: "due", FeePaid: "paid", FeeOverdue: "overdue"}


async def fee_changed(event: FeeEvent) -> None:
    """Inside the fee's transaction: a fee fell due, was paid or is overdue; told as a status
    update is (the same history, the same mute)."""
    news = fee_news(_FEE_NEWS[type(event)], baht(event.amount_satang))
    await _tell(
        event.account_id,
        event.application_id,
        event.tracking_code,
        "",
        news,
        fee_topic(event.application_id),
    )


async def _tell(
    account_id: int,
    application_id: int,
    tracking_code: str,
    status: str,
    news: StatusNews,
    topic: str,
) -> None:
    notification, recipient, devices = await _notify(
        account_id, news.kind, application_id, tracking_code, status, (news.th, news.en)
    )
    if news.kind in json.loads(recipient["muted"] or "[]") or not devices:
        return
    body = push_body(
        notification_id=notification,
        application_id=application_id,
        tracking_code=tracking_code,
        status=status,
        news=news,
        lang=recipient["language"],
    )
    await enqueue_later(
        NewMessage(
            WEBPUSH_KIND,
            webpush_payload(
                {"endpoint": d["endpoint"], "keys": {"p256dh": d["p256dh"], "auth": d["auth"]}},
                body,
                ttl=DEFAULT_TTL_S,
                urgency=news.urgency,
                topic=topic,
                subscription_id=d["id"],
            ),
            dedupe_key=f"notification:{notification}:{d['id']}",
        )
        for d in devices
    )


async def account_notice(event: AccountNotice) -> None:
    """Inside the change's transaction: the notice in the notification centre and a push to
    every device of the account. Never muted: a citizen must hear of what they did not do."""
    text = notice_text(event.what, event.where, event.who, event.about, event.when)
    notification, recipient, devices = await _notify(
        event.account_id, SECURITY, None, "", "", (text[0], text[1])
    )
    body = notice_body(notification_id=notification, text=text, lang=recipient["language"])
    await enqueue_later(
        NewMessage(
            WEBPUSH_KIND,
            webpush_payload(
                {"endpoint": d["endpoint"], "keys": {"p256dh": d["p256dh"], "auth": d["auth"]}},
                body,
                ttl=DEFAULT_TTL_S,
                urgency="high",
                topic=None,
                subscription_id=d["id"],
            ),
            dedupe_key=f"notification:{notification}:{d['id']}",
        )
        for d in devices
    )


async def _unread(account_id: int) -> int:
    count = await Notification.count().where(
        (Notification.account == account_id) & Notification.read_at.is_null()
    )
    return int(count)


async def list_notifications(
    account_id: int, *, limit: int, cursor: int | None
) -> NotificationPage:
    """Newest first; `cursor` (the last page's `next_cursor`) continues with older ones."""
    query = Notification.select(
        Notification.id,
        Notification.kind,
        Notification.application,
        Notification.tracking_code,
        Notification.status,
        Notification.text_th,
        Notification.text_en,
        Notification.created_at,
        Notification.read_at,
        Notification.application._.service._.name_th.as_alias("service_th"),
        Notification.application._.service._.name_en.as_alias("service_en"),
    ).where(Notification.account == account_id)
    if cursor is not None:
        query = query.where(Notification.id < cursor)
    rows = await query.order_by(Notification.id, ascending=False).limit(limit + 1)
    more = len(rows) > limit
    items = [
        NotificationOut(
            id=r["id"],
            kind=r["kind"],
            application_id=r["application"],
            tracking_code=r["tracking_code"],
            status=r["status"] or None,
            text=I18n(th=r["text_th"], en=r["text_en"]),
            url=application_url(r["application"]) if r["application"] else ACCOUNT_URL,
            created_at=r["created_at"],
            read_at=r["read_at"],
            service=I18n(th=r["service_th"], en=r["service_en"]) if r["service_th"] else None,
        )
        for r in rows[:limit]
    ]
    return NotificationPage(
        items=items,
        unread=await _unread(account_id),
        next_cursor=items[-1].id if more else None,
    )


async def mark_read(account_id: int, ids: list[int], *, everything: bool) -> int:
    """Mark some (or all) of the citizen's notifications read; the unread count after. An id
    that is not theirs is 404, as if it did not exist."""
    mine = Notification.account == account_id
    if everything:
        await Notification.update({Notification.read_at: _now()}).where(
            mine & Notification.read_at.is_null()
        )
    elif ids:
        async with write_transaction():
            found = await Notification.select(Notification.id).where(
                mine & Notification.id.is_in(ids)
            )
            if len(found) != len(set(ids)):
                raise NotificationNotFoundError()
            await Notification.update({Notification.read_at: _now()}).where(
                mine & Notification.id.is_in(ids) & Notification.read_at.is_null()
            )
    return await _unread(account_id)


async def preferences(account_id: int) -> Preferences:
    row, _ = await _recipient(account_id)
    muted = json.loads(row["muted"] or "[]")
    return Preferences(muted=muted, kinds=list(KINDS), language=row["language"])


async def set_muted(account_id: int, muted: list[str]) -> Preferences:
    for kind in muted:
        if kind not in KINDS:
            raise UnknownKindError(kind)
    chosen = json.dumps([k for k in KINDS if k in muted])
    await current_engine().run_querystring(
        QueryString(
            "INSERT INTO notification_preference (account, muted) VALUES ({}, {}) "
            "ON CONFLICT (account) DO UPDATE SET muted = excluded.muted",
            account_id,
            chosen,
        )
    )
    return await preferences(account_id)
