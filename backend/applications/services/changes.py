"""Every status change goes through `record_change`: one transaction appends the history row,
updates the application with the next change number, writes the audit entry and announces
the change to the domain's listeners (backend.applications.events), which queue
notifications and webhooks in the same transaction: all or nothing. An agency's change
arrives here with the row it locked."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from piccolo.querystring import QueryString

from backend.applications.answers import stored
from backend.applications.errors import (
    ApplicationNotFoundError,
)
from backend.applications.events import ApplicationEvent, StatusChanged
from backend.applications.status import Status, check_transition
from backend.applications.tables import Application
from backend.applications.wallet import refused_documents
from backend.lib.db import is_postgres, locking
from backend.lib.statements import Statement, fetch
from backend.system.audit import Actor, entry
from backend.system.counters import CHANGES, next_value, next_value_with
from backend.system.hotcache import announce, feed_row
from backend.system.registry import publish

COUNTER = CHANGES


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def owned(account_id: int, application_id: int, *, lock: bool = False) -> dict[str, Any]:
    row = await locking(
        Application.select().where(
            (Application.id == application_id)
            & (Application.account == account_id)
            & Application.deleted_at.is_null()
        ),
        lock,
    ).first()
    if row is None:
        raise ApplicationNotFoundError()
    return dict(row)


_HISTORY = (
    "INSERT INTO status_event (application, status, message_th, message_en, actor_role, "
    "actor_account_id, at) VALUES ({}, {}, {}, {}, {}, {}, {})"
)


async def record_change(
    app: dict[str, Any],
    new_status: Status,
    actor: Actor,
    *,
    message_th: str = "",
    message_en: str = "",
    action: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Append history, update the application, audit, queue notifications (the listeners
    first: the other writes are one statement). Call inside a write transaction with the
    application locked. Returns the change number. The writes are plain SQL: building them
    with Piccolo cost more CPU than running them (scripts/bench_writes.py)."""
    now = now or utc_now()
    history = QueryString(
        _HISTORY, app["id"], new_status, message_th, message_en, actor.role or "system",
        actor.account_id, now,
    )  # fmt: skip
    audit = entry(
        "application.status_changed",
        actor,
        subject_account_id=app["account"],
        object_type="application",
        object_id=app["id"],
        detail={"from": app["status"], "to": new_status},
    )
    sets = ["status = {}", "updated_at = {}", "status_message_th = {}", "status_message_en = {}",
            "action_required = {}"]  # fmt: skip
    values: list[Any] = [
        new_status, now, message_th, message_en,
        json.dumps(action, ensure_ascii=False) if action else "",
    ]  # fmt: skip
    if answers is not None:
        sets.append("answers = {}")
        values.append(stored(answers))
    if new_status == "submitted":
        sets.append("submitted_at = {}")
        values.append(now)
    # Only column names of this module and placeholders: the values are parameters.
    update = "UPDATE application SET " + ", ".join(sets) + ", change_seq = {} WHERE id = {}"  # noqa: S608
    await publish(
        StatusChanged(
            **ApplicationEvent.fields_of(app),
            old_status=app["status"],
            new_status=new_status,
            by=actor,
        )
    )
    # Last: taking the change number locks the counter until commit (see ChangeCounter).
    # The application's update and the cache feed's row (under the same number) with it,
    # and the history and audit rows, which nothing before reads: one round trip for the
    # five on PostgreSQL.
    return await next_value_with(
        COUNTER,
        lambda seq: QueryString(update, *values, seq, app["id"]),
        lambda seq: feed_row(app["account"], seq),
        lambda _: history,
        lambda _: audit,
    )


async def next_change(account_id: int) -> int:
    """The next change number, and the account's dashboard forgotten by every app process
    (system.hotcache, its feed row under the same number). Late in the write transaction:
    the counter's row stays locked until commit, which orders the changes."""
    seq = await next_value(COUNTER)
    await announce(account_id, seq)
    return seq


_FOR_AGENCY = (
    "SELECT * FROM application WHERE id = {} AND agency = {} AND deleted_at IS NULL "
    "AND status <> 'draft'"
)
_LOCKED_FOR_AGENCY = {False: Statement(_FOR_AGENCY), True: Statement(_FOR_AGENCY + " FOR UPDATE")}


async def locked_for_agency(agency_id: int, application_id: int) -> dict[str, Any]:
    """The application, locked for a status change by `agency_id` (inside the change's write
    transaction; `FOR UPDATE` on PostgreSQL, as `lib.db.locking`). Another agency's
    application, a draft or a deleted one is 404. Plain SQL: on every status change."""
    rows = await fetch(_LOCKED_FOR_AGENCY[is_postgres()], application_id, agency_id)
    if not rows:
        raise ApplicationNotFoundError()
    return dict(rows[0])


async def change_status(
    app: dict[str, Any],
    new_status: Status,
    actor: Actor,
    *,
    message_th: str = "",
    message_en: str = "",
    needs_fields: list[str] | None = None,
    reply_by: dt.date | None = None,
) -> int:
    """An agency moves the application on: `app` is the row `locked_for_agency` returned,
    in the same write transaction. Illegal transitions are 409. Returns the change number.
    needs_info: the documents in the fields asked for again are marked refused, and
    `reply_by` (checked by the caller) is the last day the agency waits."""
    check_transition(app["status"], new_status, by="agency")
    action: dict[str, Any] | None = None
    if new_status == "needs_info":
        fields = needs_fields or []
        action = {"th": message_th, "en": message_en, "fields": fields}
        if refused := await refused_documents(app, fields):
            action["refused"] = refused
        if reply_by is not None:
            action["reply_by"] = reply_by.isoformat()
    return await record_change(
        app, new_status, actor, message_th=message_th, message_en=message_en, action=action
    )
