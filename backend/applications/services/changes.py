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
from backend.applications.tables import Application, StatusEvent
from backend.applications.wallet import refused_documents
from backend.lib.db import current_engine, is_postgres
from backend.system.audit import Actor, record
from backend.system.counters import next_value
from backend.system.hotcache import announce
from backend.system.registry import publish

COUNTER = "applications"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _lock(application_id: int) -> None:
    if is_postgres():
        await current_engine().run_querystring(
            QueryString("SELECT id FROM application WHERE id = {} FOR UPDATE", application_id)
        )


async def owned(account_id: int, application_id: int, *, lock: bool = False) -> dict[str, Any]:
    if lock:
        await _lock(application_id)
    row = (
        await Application.select()
        .where(
            (Application.id == application_id)
            & (Application.account == account_id)
            & Application.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        raise ApplicationNotFoundError()
    return dict(row)


async def record_change(
    app: dict[str, Any],
    new_status: Status,
    actor: Actor,
    *,
    message_th: str = "",
    message_en: str = "",
    action: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
) -> int:
    """Append history, update the application, audit, queue notifications. Call inside a
    write transaction with the application locked. Returns the change number."""
    now = utc_now()
    await StatusEvent.insert(
        StatusEvent(
            application=app["id"],
            status=new_status,
            message_th=message_th,
            message_en=message_en,
            actor_role=actor.role or "system",
            actor_account_id=actor.account_id,
            at=now,
        )
    )
    values: dict[Any, Any] = {
        Application.status: new_status,
        Application.updated_at: now,
        Application.status_message_th: message_th,
        Application.status_message_en: message_en,
        Application.action_required: json.dumps(action, ensure_ascii=False) if action else "",
    }
    if answers is not None:
        values[Application.answers] = stored(answers)
    if new_status == "submitted":
        values[Application.submitted_at] = now
    await record(
        "application.status_changed",
        actor,
        subject_account_id=app["account"],
        object_type="application",
        object_id=app["id"],
        detail={"from": app["status"], "to": new_status},
    )
    await publish(
        StatusChanged(
            **ApplicationEvent.fields_of(app),
            old_status=app["status"],
            new_status=new_status,
            by=actor,
        )
    )
    # Last: taking the change number locks the counter until commit (see ChangeCounter).
    seq = await next_change(app["account"])
    values[Application.change_seq] = seq
    await Application.update(values).where(Application.id == app["id"])
    return seq


async def next_change(account_id: int) -> int:
    """The next change number, and the account's dashboard forgotten by every app process
    (system.hotcache). Last in the write transaction: both counters' rows stay locked until
    commit, which orders the changes."""
    seq = await next_value(COUNTER)
    await announce(account_id)
    return seq


async def locked_for_agency(agency_id: int, application_id: int) -> dict[str, Any]:
    """The application, locked for a status change by `agency_id` (inside the change's write
    transaction). Another agency's application, a draft or a deleted one is 404."""
    await _lock(application_id)
    app = (
        await Application.select()
        .where(
            (Application.id == application_id)
            & (Application.agency == agency_id)
            & Application.deleted_at.is_null()
            & (Application.status != "draft")
        )
        .first()
    )
    if app is None:
        raise ApplicationNotFoundError()
    return dict(app)


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
