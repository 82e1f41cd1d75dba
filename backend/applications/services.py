"""Applying, drafts, withdrawing, answering, status changes, the dashboard and tracking.

Every status change goes through `_record_change`: one transaction appends the history row,
updates the application with the next change number, writes the audit entry and (through
`backend.applications.events`) queues notifications — all or nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from backend.accounts.tables import Account
from backend.applications.events import ApplicationEvent, NeedsInfoAnswered, StatusChanged
from backend.applications.schemas import (
    ActionRequired,
    ApplicationDetail,
    ApplicationSummary,
    Dashboard,
    HistoryEntry,
    ServiceRef,
)
from backend.applications.status import ACTIVE, CITIZEN_TRANSITIONS, Status, check_transition
from backend.applications.tables import Application, StatusEvent
from backend.applications.validation import clean_answers
from backend.catalog.forms import FormField
from backend.catalog.services import ServiceNotFoundError
from backend.catalog.tables import Service
from backend.lib.db import current_engine, is_postgres, write_transaction
from backend.lib.errors import AuthorizationError, ConflictError, NotFoundError
from backend.lib.schema import I18n
from backend.system.audit import Actor, record
from backend.system.counters import next_value
from backend.system.hotcache import announce
from backend.system.registry import publish

__all__ = [
    "ACTIVE",
    "ApplicationNotFoundError",
    "answer_needs_info",
    "change_status",
    "create_application",
    "dashboard",
    "dashboard_version",
    "discard_draft",
    "find_for_tracking",
    "get_detail",
    "histories",
    "history",
    "submit_draft",
    "update_draft",
    "withdraw",
]

COUNTER = "applications"
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I/L: codes are read aloud at counters and typed from paper receipts."""

MAX_DASHBOARD_PAGE = 50


class ApplicationNotFoundError(NotFoundError):
    code = "application_not_found"
    message_en = "Application not found."
    message_th = "ไม่พบคำขอ"


class AssuranceRequiredError(AuthorizationError):
    code = "assurance_required"
    message_en = (
        "This service needs your identity checked in person. Visit a district office "
        "with your ID card once; then you can apply online."
    )
    message_th = (
        "บริการนี้ต้องยืนยันตัวตนต่อหน้าเจ้าหน้าที่ กรุณานำบัตรประชาชนไปที่ว่าการอำเภอหนึ่งครั้ง แล้วจึงยื่นคำขอออนไลน์ได้"
    )


class NotADraftError(ConflictError):
    code = "not_a_draft"
    message_en = "Only a draft can be edited or discarded."
    message_th = "แก้ไขหรือลบได้เฉพาะฉบับร่าง"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_tracking_code(agency_code: str) -> str:
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(6))
    return f"{agency_code}-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True, slots=True)
class ServiceForm:
    id: int
    agency_id: int
    agency_code: str
    form: list[FormField]
    required_assurance: str


async def _service_form(slug: str) -> ServiceForm:
    row = (
        await Service.select(
            Service.id,
            Service.agency,
            Service.agency.code.as_alias("agency_code"),
            Service.form_schema,
            Service.required_assurance,
            Service.published,
        )
        .where(Service.slug == slug)
        .first()
    )
    if row is None or not row["published"]:
        raise ServiceNotFoundError()
    return _to_form(row)


def _to_form(row: dict[str, Any]) -> ServiceForm:
    schema = row["form_schema"]
    return ServiceForm(
        id=row["id"],
        agency_id=row["agency"],
        agency_code=row["agency_code"],
        form=msgspec.convert(
            json.loads(schema) if isinstance(schema, str) else schema, list[FormField]
        ),
        required_assurance=row["required_assurance"],
    )


async def _form_of_application(application_id: int) -> ServiceForm:
    """The form of the service an application is for (even if since unpublished)."""
    app = (
        await Application.select(Application.service)
        .where(Application.id == application_id)
        .first()
    )
    assert app is not None
    row = (
        await Service.select(
            Service.id,
            Service.agency,
            Service.agency.code.as_alias("agency_code"),
            Service.form_schema,
            Service.required_assurance,
        )
        .where(Service.id == app["service"])
        .first()
    )
    assert row is not None
    return _to_form(row)


async def _check_assurance(account_id: int, service: ServiceForm) -> None:
    if service.required_assurance != "verified_in_person":
        return
    account = await Account.select(Account.assurance).where(Account.id == account_id).first()
    if account is None or account["assurance"] != "verified_in_person":
        raise AssuranceRequiredError()


async def _check_documents(account_id: int, form: list[FormField], answers: dict[str, Any]) -> None:
    """File answers must be live documents of this citizen, of the type the field asks for."""
    from backend.applications.attachments import check_attachments

    await check_attachments(account_id, form, answers)


async def _lock(application_id: int) -> None:
    if is_postgres():
        await current_engine().run_querystring(
            QueryString("SELECT id FROM application WHERE id = {} FOR UPDATE", application_id)
        )


async def _owned(account_id: int, application_id: int, *, lock: bool = False) -> dict[str, Any]:
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


async def _record_change(
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
    now = _now()
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
        values[Application.answers] = json.dumps(answers, ensure_ascii=False)
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
            **ApplicationEvent.fields_of(app), old_status=app["status"], new_status=new_status
        )
    )
    # Last: taking the change number locks the counter until commit (see ChangeCounter).
    seq = await _next_change(app["account"])
    values[Application.change_seq] = seq
    await Application.update(values).where(Application.id == app["id"])
    return seq


async def _next_change(account_id: int) -> int:
    """The next change number, and the account's dashboard forgotten by every app process
    (system.hotcache). Last in the write transaction: both counters' rows stay locked until
    commit, which orders the changes."""
    seq = await next_value(COUNTER)
    await announce(account_id)
    return seq


# --- Citizen actions ------------------------------------------------------------------------


async def create_application(
    actor: Actor, account_id: int, slug: str, answers: dict[str, Any], *, submit: bool
) -> int:
    """A new draft or submitted application; runs inside the caller's write transaction (the
    idempotency record's). Returns its id."""
    service = await _service_form(slug)
    if submit:
        await _check_assurance(account_id, service)
    clean = clean_answers(service.form, answers, complete=submit)
    await _check_documents(account_id, service.form, clean)
    code = _new_tracking_code(service.agency_code)
    while await Application.exists().where(Application.tracking_code == code):
        code = _new_tracking_code(service.agency_code)
    now = _now()
    row = Application(
        tracking_code=code,
        account=account_id,
        service=service.id,
        agency=service.agency_id,
        status="draft",
        answers=json.dumps(clean, ensure_ascii=False),
        created_at=now,
        updated_at=now,
        change_seq=0,
        submitted_by=actor.account_id if actor.role == "operator" else None,
    )
    await row.save()
    app = {
        "id": row.id,
        "account": account_id,
        "status": "draft",
        "agency": service.agency_id,
        "tracking_code": code,
        "service": service.id,
    }
    if submit:
        await _record_change(app, "submitted", actor)
    else:
        await record(
            "application.draft_saved",
            actor,
            subject_account_id=account_id,
            object_type="application",
            object_id=row.id,
        )
        seq = await _next_change(account_id)
        await Application.update({Application.change_seq: seq}).where(Application.id == row.id)
    return int(row.id)


async def update_draft(
    actor: Actor, account_id: int, application_id: int, answers: dict[str, Any]
) -> None:
    async with write_transaction():
        app = await _owned(account_id, application_id, lock=True)
        if app["status"] != "draft":
            raise NotADraftError()
        service = await _form_of_application(application_id)
        clean = clean_answers(service.form, answers, complete=False)
        await _check_documents(account_id, service.form, clean)
        seq = await _next_change(account_id)
        await Application.update(
            {
                Application.answers: json.dumps(clean, ensure_ascii=False),
                Application.updated_at: _now(),
                Application.change_seq: seq,
            }
        ).where(Application.id == application_id)
        await record(
            "application.draft_saved",
            actor,
            subject_account_id=account_id,
            object_type="application",
            object_id=application_id,
        )


async def submit_draft(actor: Actor, account_id: int, application_id: int) -> None:
    """Inside the caller's write transaction (idempotent submit)."""
    app = await _owned(account_id, application_id, lock=True)
    check_transition(app["status"], "submitted", by="citizen")
    service = await _form_of_application(application_id)
    await _check_assurance(account_id, service)
    clean = clean_answers(service.form, json.loads(app["answers"]), complete=True)
    await _check_documents(account_id, service.form, clean)
    await _record_change(app, "submitted", actor, answers=clean)


async def discard_draft(actor: Actor, account_id: int, application_id: int) -> None:
    async with write_transaction():
        app = await _owned(account_id, application_id, lock=True)
        if app["status"] != "draft":
            raise NotADraftError()
        seq = await _next_change(account_id)
        # Kept as a tombstone so `since` can tell other devices to drop it.
        await Application.update(
            {
                Application.deleted_at: _now(),
                Application.updated_at: _now(),
                Application.change_seq: seq,
            }
        ).where(Application.id == application_id)
        await record(
            "application.draft_discarded",
            actor,
            subject_account_id=account_id,
            object_type="application",
            object_id=application_id,
        )


async def withdraw(actor: Actor, account_id: int, application_id: int, reason: str) -> None:
    async with write_transaction():
        app = await _owned(account_id, application_id, lock=True)
        check_transition(app["status"], "withdrawn", by="citizen")
        await _record_change(app, "withdrawn", actor, message_th=reason, message_en=reason)


async def answer_needs_info(
    actor: Actor, account_id: int, application_id: int, answers: dict[str, Any], message: str
) -> None:
    """The citizen gives what the agency asked for; the review resumes (needs_info → in_review)
    and the answer appears in the agency's feed."""
    async with write_transaction():
        app = await _owned(account_id, application_id, lock=True)
        check_transition(app["status"], "in_review", by="citizen")
        requested = json.loads(app["action_required"] or "{}").get("fields") or []
        service = await _form_of_application(application_id)
        allowed = set(requested) or {f.name for f in service.form}
        clean = clean_answers(service.form, answers, complete=False, only=allowed)
        await _check_documents(account_id, service.form, clean)
        merged = {**json.loads(app["answers"]), **clean}
        clean_answers(service.form, merged, complete=True)  # the whole form must now be whole
        await _record_change(
            app, "in_review", actor, message_th=message, message_en=message, answers=merged
        )
        await publish(NeedsInfoAnswered(**ApplicationEvent.fields_of(app)))


# --- Agency side ----------------------------------------------------------------------------


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
) -> int:
    """An agency moves the application on: `app` is the row `locked_for_agency` returned,
    in the same write transaction. Illegal transitions are 409. Returns the change number."""
    check_transition(app["status"], new_status, by="agency")
    action = None
    if new_status == "needs_info":
        action = {"th": message_th, "en": message_en, "fields": needs_fields or []}
    return await _record_change(
        app, new_status, actor, message_th=message_th, message_en=message_en, action=action
    )


# --- Reading --------------------------------------------------------------------------------

_SUMMARY = (
    Application.id,
    Application.tracking_code,
    Application.status,
    Application.updated_at,
    Application.action_required,
    Application.change_seq,
    Application.deleted_at,
    Application.service.slug.as_alias("service_slug"),
    Application.service.name_th.as_alias("service_th"),
    Application.service.name_en.as_alias("service_en"),
    Application.agency.code.as_alias("agency_code"),
    Application.agency.name_th.as_alias("agency_th"),
    Application.agency.name_en.as_alias("agency_en"),
)


def _action(raw: str) -> ActionRequired | None:
    if not raw:
        return None
    data = json.loads(raw)
    return ActionRequired(
        message=I18n(th=data.get("th", ""), en=data.get("en", "")),
        fields=list(data.get("fields") or []),
    )


def _service_ref(row: dict[str, Any]) -> ServiceRef:
    return ServiceRef(
        slug=row["service_slug"],
        name=I18n(th=row["service_th"], en=row["service_en"]),
        agency=row["agency_code"],
        agency_name=I18n(th=row["agency_th"], en=row["agency_en"]),
    )


def _summary(row: dict[str, Any]) -> ApplicationSummary:
    return ApplicationSummary(
        id=row["id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        updated_at=row["updated_at"],
        service=_service_ref(row),
        action=_action(row["action_required"]) if row["status"] == "needs_info" else None,
        deleted=row["deleted_at"] is not None,
    )


async def dashboard_version(account_id: int) -> tuple[int, int]:
    """(latest change number, number of applications): changes whenever the dashboard would.
    One index-only lookup, so an unchanged dashboard is answered 304 without reading rows."""
    rows = await current_engine().run_querystring(
        QueryString(
            "SELECT COALESCE(MAX(change_seq), 0) AS seq, COUNT(*) AS n FROM application "
            "WHERE account = {}",
            account_id,
        )
    )
    return int(rows[0]["seq"]), int(rows[0]["n"])


# The dashboard's rows as plain SQL: the same columns as `_SUMMARY`, but building that joined
# select with Piccolo cost more CPU than everything else in the request (scripts/
# bench_dashboard.py). Each variant walks the (account, change_seq) index, and carries the
# dashboard's version (`dashboard_version`) read in the same statement: one round trip, and
# `sync` and the rows come from one snapshot.
_DASHBOARD_SQL = """
SELECT a.id, a.tracking_code, a.status, a.updated_at, a.action_required, a.change_seq,
    a.deleted_at, s.slug AS service_slug, s.name_th AS service_th, s.name_en AS service_en,
    g.code AS agency_code, g.name_th AS agency_th, g.name_en AS agency_en,
    v.seq AS version_seq, v.n AS version_n
FROM (SELECT COALESCE(MAX(change_seq), 0) AS seq, COUNT(*) AS n FROM application
      WHERE account = {}) v
CROSS JOIN application a
JOIN service s ON s.id = a.service
JOIN agency g ON g.id = a.agency
WHERE a.account = {} AND """
_NEWEST_FIRST = _DASHBOARD_SQL + "a.deleted_at IS NULL ORDER BY a.change_seq DESC LIMIT {}"
_BEFORE_CURSOR = (
    _DASHBOARD_SQL
    + "a.deleted_at IS NULL AND a.change_seq < {} ORDER BY a.change_seq DESC LIMIT {}"
)
_CHANGED_SINCE = _DASHBOARD_SQL + "a.change_seq > {} ORDER BY a.change_seq LIMIT {}"


async def dashboard(
    account_id: int, *, limit: int, cursor: int | None, since: int | None
) -> tuple[Dashboard, tuple[int, int]]:
    """Newest activity first, paged by `cursor`; or, with `since`, only what changed after
    that sync number (oldest change first, discarded drafts included as `deleted`). With it,
    the `dashboard_version` these rows are of."""
    if since is not None:
        query = QueryString(_CHANGED_SINCE, account_id, account_id, since, limit + 1)
    elif cursor is not None:
        query = QueryString(_BEFORE_CURSOR, account_id, account_id, cursor, limit + 1)
    else:
        query = QueryString(_NEWEST_FIRST, account_id, account_id, limit + 1)
    rows = await current_engine().run_querystring(query)
    # No rows (nothing on this page, or nothing changed): the version on its own.
    version = (
        (int(rows[0]["version_seq"]), int(rows[0]["version_n"]))
        if rows
        else await dashboard_version(account_id)
    )
    sync_seq = version[0]
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_summary(r) for r in rows]
    if since is not None:
        # More changes than one page: the client continues from the last one it got.
        sync = rows[-1]["change_seq"] if more else max(sync_seq, since)
        return Dashboard(items=items, sync=sync), version
    next_cursor = rows[-1]["change_seq"] if more else None
    return Dashboard(items=items, sync=sync_seq, next_cursor=next_cursor), version


async def get_detail(account_id: int, application_id: int) -> ApplicationDetail:
    row = (
        await Application.select(
            *_SUMMARY,
            Application.answers,
            Application.created_at,
            Application.submitted_at,
        )
        .where(
            (Application.id == application_id)
            & (Application.account == account_id)
            & Application.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        raise ApplicationNotFoundError()
    return _detail(row, await history(application_id))


def _detail(row: dict[str, Any], entries: list[HistoryEntry]) -> ApplicationDetail:
    return ApplicationDetail(
        id=row["id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        service=_service_ref(row),
        answers=json.loads(row["answers"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        history=entries,
        action=_action(row["action_required"]) if row["status"] == "needs_info" else None,
        can_withdraw="withdrawn" in CITIZEN_TRANSITIONS.get(row["status"], frozenset()),
    )


async def history(application_id: int) -> list[HistoryEntry]:
    return (await histories([application_id])).get(application_id, [])


async def histories(application_ids: list[int]) -> dict[int, list[HistoryEntry]]:
    """Each application's status history, oldest first, in one query."""
    if not application_ids:
        return {}
    rows = (
        await StatusEvent.select(
            StatusEvent.application,
            StatusEvent.status,
            StatusEvent.at,
            StatusEvent.message_th,
            StatusEvent.message_en,
            StatusEvent.actor_role,
        )
        .where(StatusEvent.application.is_in(application_ids))
        .order_by(StatusEvent.id)
    )
    found: dict[int, list[HistoryEntry]] = defaultdict(list)
    for r in rows:
        found[r["application"]].append(
            HistoryEntry(
                status=r["status"],
                at=r["at"],
                by=r["actor_role"],
                message=I18n(th=r["message_th"], en=r["message_en"])
                if r["message_th"] or r["message_en"]
                else None,
            )
        )
    return found


async def find_for_tracking(tracking_code: str, id_last4: str) -> ApplicationDetail | None:
    """The application with this code whose citizen's ID number ends in `id_last4`; None for
    any mismatch, so a wrong pair reveals nothing (not even that the code exists)."""
    row = (
        await Application.select(
            *_SUMMARY,
            Application.answers,
            Application.created_at,
            Application.submitted_at,
            Application.account.national_id.as_alias("national_id"),
        )
        .where(
            (Application.tracking_code == tracking_code.strip().upper())
            & Application.deleted_at.is_null()
            & (Application.status != "draft")
        )
        .first()
    )
    if row is None or not (row["national_id"] or "").endswith(id_last4) or len(id_last4) != 4:
        return None
    detail = _detail(row, await history(int(row["id"])))
    detail.answers = {}  # tracking shows status, never what the citizen wrote
    return detail
