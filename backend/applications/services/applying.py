"""The citizen's side: apply, keep and discard drafts, submit, withdraw, and answer what the
agency asked for."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from backend.accounts.services.identity import is_verified
from backend.accounts.tables import Account
from backend.applications.answers import load, stored
from backend.applications.errors import (
    AssuranceRequiredError,
    NotADraftError,
)
from backend.applications.events import ApplicationEvent, NeedsInfoAnswered
from backend.applications.schemas import (
    AgencyContact,
    ApplicationDetail,
    HistoryEntry,
    ServiceRef,
)
from backend.applications.services.changes import next_change, owned, record_change, utc_now
from backend.applications.services.reading import add_parts, expected
from backend.applications.status import CITIZEN_TRANSITIONS, Status, check_transition
from backend.applications.tables import Application
from backend.applications.validation import clean_answers
from backend.catalog.errors import ServiceNotFoundError
from backend.catalog.forms import FormField
from backend.lib.db import current_engine, write_transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.schema import I18n
from backend.system.audit import Actor, record
from backend.system.catalog_memory import catalog_memo
from backend.system.registry import publish

TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SUBMITTERS = ("operator", "delegate")
"""Who may submit for the applicant: the agency sees them apart (Application.submitted_by)."""
"""No 0/O or 1/I/L: codes are read aloud at counters and typed from paper receipts."""


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
    published: bool
    ref: ServiceRef
    processing_days: int
    contact: AgencyContact


_SERVICE = (
    "SELECT s.id, s.agency, s.form_schema, s.required_assurance, s.published, s.slug, "
    "s.name_th, s.name_en, s.processing_days, g.code AS agency_code, g.name_th AS agency_th, "
    "g.name_en AS agency_en, g.contact_phone, g.contact_email, g.website "
    "FROM service s JOIN agency g ON g.id = s.agency WHERE "
)
"""A service's form, with what a new application's answer shows of it and its agency: plain
SQL (building the joined select with Piccolo cost more than running it)."""


async def _read_service(where: str, *values: Any) -> ServiceForm | None:
    rows = await current_engine().run_querystring(QueryString(_SERVICE + where, *values))
    return _to_form(rows[0]) if rows else None


async def _service_form(slug: str) -> ServiceForm:
    """The published service `slug`, remembered by this process until the catalog changes."""
    service = await catalog_memo(("service-form", slug), lambda: _read_service("s.slug = {}", slug))
    if service is None or not service.published:
        raise ServiceNotFoundError()
    return service


def _to_form(row: Any) -> ServiceForm:
    schema = row["form_schema"]
    return ServiceForm(
        id=row["id"],
        agency_id=row["agency"],
        agency_code=row["agency_code"],
        form=msgspec.convert(
            json.loads(schema) if isinstance(schema, str) else schema, list[FormField]
        ),
        required_assurance=row["required_assurance"],
        published=bool(row["published"]),
        ref=ServiceRef(
            slug=row["slug"],
            name=I18n(th=row["name_th"], en=row["name_en"]),
            agency=row["agency_code"],
            agency_name=I18n(th=row["agency_th"], en=row["agency_en"]),
        ),
        processing_days=int(row["processing_days"] or 0),
        contact=AgencyContact(
            phone=row["contact_phone"], email=row["contact_email"], website=row["website"]
        ),
    )


async def _form_of_application(application_id: int) -> ServiceForm:
    """The form of the service an application is for (even if since unpublished)."""
    service = await _read_service(
        "s.id = (SELECT service FROM application WHERE id = {})", application_id
    )
    assert service is not None
    return service


async def _check_assurance(account_id: int, service: ServiceForm) -> None:
    """A service asking for more than self-asserted identity accepts any verified level."""
    if service.required_assurance == "self_asserted":
        return
    account = await Account.select(Account.assurance).where(Account.id == account_id).first()
    if account is None or not is_verified(account["assurance"]):
        raise AssuranceRequiredError()


async def _check_documents(account_id: int, form: list[FormField], answers: dict[str, Any]) -> None:
    """File answers must be live documents of this citizen, of the type the field asks for."""
    from backend.applications.attachments import check_attachments

    await check_attachments(account_id, form, answers)


_INSERT = (
    "INSERT INTO application (tracking_code, account, service, agency, status, answers, "
    "status_message_th, status_message_en, action_required, created_at, submitted_at, "
    "updated_at, change_seq, deleted_at, submitted_by, identity_disputed) VALUES "
    "({}, {}, {}, {}, 'draft', {}, '', '', '', {}, NULL, {}, 0, NULL, {}, {}) "
    "ON CONFLICT (tracking_code) DO NOTHING RETURNING id"
)
"""A new application; nothing when its tracking code is taken (the unique index decides, in
the same statement, instead of a look first)."""


async def create_application(
    actor: Actor, account_id: int, slug: str, answers: dict[str, Any], *, submit: bool
) -> ApplicationDetail:
    """A new draft or submitted application; runs inside the caller's write transaction (the
    idempotency record's). Returns it as the citizen's view shows it (`get_detail`), made
    from what was written rather than read back."""
    service = await _service_form(slug)
    if submit:
        await _check_assurance(account_id, service)
    clean = clean_answers(service.form, answers, complete=submit)
    await _check_documents(account_id, service.form, clean)
    now = utc_now()
    submitted_by = actor.account_id if actor.role in SUBMITTERS else None
    engine, text = current_engine(), stored(clean)
    while True:
        code = _new_tracking_code(service.agency_code)
        rows = await engine.run_querystring(
            QueryString(
                _INSERT, code, account_id, service.id, service.agency_id, text, now, now,
                submitted_by, False,
            )
        )  # fmt: skip
        if rows:
            break
    app_id = int(rows[0]["id"])
    app = {
        "id": app_id,
        "account": account_id,
        "status": "draft",
        "agency": service.agency_id,
        "tracking_code": code,
        "service": service.id,
    }
    history: list[HistoryEntry] = []
    if submit:
        await record_change(app, "submitted", actor, now=now)
        history.append(HistoryEntry(status="submitted", at=now, by=actor.role or "system"))
    else:
        await record(
            "application.draft_saved",
            actor,
            subject_account_id=account_id,
            object_type="application",
            object_id=app_id,
        )
        seq = await next_change(account_id)
        await Application.update({Application.change_seq: seq}).where(Application.id == app_id)
    status: Status = "submitted" if submit else "draft"
    detail = ApplicationDetail(
        id=app_id,
        tracking_code=code,
        status=status,
        service=service.ref,
        answers=clean,
        created_at=now,
        updated_at=now,
        submitted_at=now if submit else None,
        history=history,
        can_withdraw="withdrawn" in CITIZEN_TRANSITIONS.get(status, frozenset()),
        expected_by=expected(
            {"status": status, "submitted_at": now if submit else None,
             "processing_days": service.processing_days}
        ),
        contact=service.contact,
    )  # fmt: skip
    await add_parts(account_id, detail)
    return detail


async def update_draft(
    actor: Actor, account_id: int, application_id: int, answers: dict[str, Any]
) -> None:
    async with write_transaction():
        app = await owned(account_id, application_id, lock=True)
        if app["status"] != "draft":
            raise NotADraftError()
        service = await _form_of_application(application_id)
        clean = clean_answers(service.form, answers, complete=False)
        await _check_documents(account_id, service.form, clean)
        seq = await next_change(account_id)
        await Application.update(
            {
                Application.answers: stored(clean),
                Application.updated_at: utc_now(),
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
    app = await owned(account_id, application_id, lock=True)
    check_transition(app["status"], "submitted", by="citizen")
    service = await _form_of_application(application_id)
    await _check_assurance(account_id, service)
    clean = clean_answers(service.form, load(app["answers"]), complete=True)
    await _check_documents(account_id, service.form, clean)
    if actor.role in SUBMITTERS:  # whoever submits it, for the agency to see
        await Application.update({Application.submitted_by: actor.account_id}).where(
            Application.id == application_id
        )
    await record_change(app, "submitted", actor, answers=clean)


async def discard_draft(actor: Actor, account_id: int, application_id: int) -> None:
    async with write_transaction():
        app = await owned(account_id, application_id, lock=True)
        if app["status"] != "draft":
            raise NotADraftError()
        seq = await next_change(account_id)
        # Kept as a tombstone so `since` can tell other devices to drop it.
        await Application.update(
            {
                Application.deleted_at: utc_now(),
                Application.updated_at: utc_now(),
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
        app = await owned(account_id, application_id, lock=True)
        check_transition(app["status"], "withdrawn", by="citizen")
        await record_change(app, "withdrawn", actor, message_th=reason, message_en=reason)


ASKED = {"en": "The agency asked for this.", "th": "หน่วยงานขอข้อมูลช่องนี้"}
UNCLEAR = {
    "en": "The agency said this document was unclear: send a new one.",
    "th": "หน่วยงานแจ้งว่าเอกสารนี้ไม่ชัด กรุณาส่งฉบับใหม่",
}


def _check_reply(requested: list[str], refused: set[int], answers: dict[str, Any]) -> None:
    """Every field the agency asked for is answered again, and not with a document it refused
    (422 naming the fields)."""
    errors = {
        name: ASKED if name not in answers else UNCLEAR
        for name in requested
        if name not in answers or answers[name] in refused
    }
    if errors:
        raise ValidationFailedError(fields=errors)


async def answer_needs_info(
    actor: Actor, account_id: int, application_id: int, answers: dict[str, Any], message: str
) -> None:
    """The citizen gives what the agency asked for; the review resumes (needs_info → in_review)
    and the answer appears in the agency's feed."""
    async with write_transaction():
        app = await owned(account_id, application_id, lock=True)
        check_transition(app["status"], "in_review", by="citizen")
        action = json.loads(app["action_required"] or "{}")
        requested = action.get("fields") or []
        service = await _form_of_application(application_id)
        allowed = set(requested) or {f.name for f in service.form}
        clean = clean_answers(service.form, answers, complete=False, only=allowed)
        _check_reply(requested, set(action.get("refused") or []), clean)
        await _check_documents(account_id, service.form, clean)
        merged = {**load(app["answers"]), **clean}
        clean_answers(service.form, merged, complete=True)  # the whole form must now be whole
        await record_change(
            app, "in_review", actor, message_th=message, message_en=message, answers=merged
        )
        await publish(NeedsInfoAnswered(**ApplicationEvent.fields_of(app), by=actor))
