"""An agency's applications: the change feed, one application with its documents, a document's
bytes, a status change, and the officer's queue. Every read is audited."""

from __future__ import annotations

import json
from typing import Any

from backend.accounts.national_ids import DISPUTED, open_id
from backend.accounts.tables import Account
from backend.agency_api.errors import field_message
from backend.agency_api.schemas import (
    Applicant,
    ApplicationView,
    DocumentLink,
    Feed,
    StatusChange,
    StatusChanged,
    Submitter,
)
from backend.agency_api.services.reply_by import reply_by_problem
from backend.applications import services as applications
from backend.applications.answers import load
from backend.applications.attachments import file_answers, forms_of
from backend.applications.errors import ApplicationNotFoundError
from backend.applications.tables import Application
from backend.documents.errors import DocumentNotFoundError
from backend.documents.services import DocumentRow, document_for_download
from backend.documents.tables import Document
from backend.fees.services import fee_views
from backend.lib.db import write_transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.schema import I18n
from backend.settings import Settings
from backend.system.audit import Actor, record

MAX_FEED_PAGE = 100
"""Largest feed page: each item carries answers and history, a few KB."""


_VIEW = (
    Application.id,
    Application.account,
    Application.tracking_code,
    Application.status,
    Application.change_seq,
    Application.service,
    Application.answers,
    Application.action_required,
    Application.created_at,
    Application.updated_at,
    Application.submitted_at,
    Application.service.slug.as_alias("service_slug"),
    Application.service.name_th.as_alias("service_th"),
    Application.service.name_en.as_alias("service_en"),
    Application.account.full_name.as_alias("full_name"),
    Application.account.national_id_sealed.as_alias("national_id"),
    Application.account.disputed_national_id_sealed.as_alias("disputed_national_id"),
    Application.account.assurance.as_alias("assurance"),
    Application.identity_disputed,
    Application.account.language.as_alias("language"),
    Application.submitted_by,
)


def visible(agency_id: int) -> Any:
    """The agency's applications that have left the citizen's hands (no drafts)."""
    return (
        (Application.agency == agency_id)
        & (Application.status != "draft")
        & Application.deleted_at.is_null()
    )


async def _documents(
    attached: dict[int, dict[str, int]], url_prefix: str
) -> dict[int, list[DocumentLink]]:
    ids = sorted({doc for fields in attached.values() for doc in fields.values()})
    if not ids:
        return {}
    rows = await Document.select(
        Document.id, Document.document_type, Document.content_type, Document.size_bytes
    ).where(Document.id.is_in(ids))
    by_id = {r["id"]: r for r in rows}
    return {
        app_id: [
            DocumentLink(
                id=doc,
                field=name,
                document_type=by_id[doc]["document_type"],
                content_type=by_id[doc]["content_type"],
                size_bytes=by_id[doc]["size_bytes"],
                url=f"{url_prefix}/{doc}",
            )
            for name, doc in fields.items()
            if doc in by_id
        ]
        for app_id, fields in attached.items()
    }


async def _views(rows: list[dict[str, Any]], document_url: str) -> list[ApplicationView]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    forms = await forms_of(r["service"] for r in rows)
    histories = await applications.histories(ids)
    answers = {r["id"]: load(r["answers"]) for r in rows}
    attached = {r["id"]: file_answers(forms.get(r["service"], []), answers[r["id"]]) for r in rows}
    documents = await _documents(attached, document_url)
    fees = await fee_views(ids)
    submitters = await _submitters({r["submitted_by"] for r in rows if r["submitted_by"]})
    return [
        ApplicationView(
            id=r["id"],
            tracking_code=r["tracking_code"],
            status=r["status"],
            change_seq=r["change_seq"],
            service=r["service_slug"],
            service_name=I18n(th=r["service_th"], en=r["service_en"]),
            applicant=Applicant(
                full_name=r["full_name"],
                # The agency's own applicant: the number, in clear, over the signed API.
                national_id=open_id(r["national_id"])
                or open_id(r["disputed_national_id"], DISPUTED),
                assurance=r["assurance"],
                language=r["language"],
            ),
            answers=answers[r["id"]],
            documents=documents.get(r["id"], []),
            history=histories.get(r["id"], []),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            submitted_at=r["submitted_at"],
            action=applications.action_required(r["action_required"])
            if r["status"] == "needs_info"
            else None,
            identity_disputed=r["identity_disputed"],
            submitted_by=submitters.get(r["submitted_by"]),
            fee=fees.get(r["id"]),
        )
        for r in rows
    ]


async def _submitters(account_ids: set[int]) -> dict[int, Submitter]:
    """Who submitted for the applicant: an operator at a district office, or a person the
    applicant authorised (a delegate, a citizen's account)."""
    if not account_ids:
        return {}
    rows = await Account.select(Account.id, Account.full_name, Account.role).where(
        Account.id.is_in(list(account_ids))
    )
    return {
        r["id"]: Submitter(
            role="operator" if r["role"] == "operator" else "delegate", full_name=r["full_name"]
        )
        for r in rows
    }


async def _audit_reads(action: str, actor: Actor, rows: list[dict[str, Any]], via: str) -> None:
    """One audit entry per application read: the citizen can see which agency read it."""
    if not rows:
        return
    async with write_transaction():
        for row in rows:
            await record(
                action,
                actor,
                subject_account_id=row["account"],
                object_type="application",
                object_id=row["id"],
                detail={"via": via},
            )


async def changed_after(agency_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    """The agency's applications with a change number above `after`, in that order.

    Change numbers come from the `applications` ChangeCounter, whose row each writer holds
    locked until commit: they become visible in order, so a reader that has seen N never
    later finds a smaller number appear, and `after=N` skips nothing."""
    rows: list[dict[str, Any]] = (
        await Application.select(*_VIEW)
        .where(visible(agency_id) & (Application.change_seq > after))
        .order_by(Application.change_seq)
        .limit(limit)
    )
    return rows


async def feed(
    agency_id: int, *, after: int, limit: int, actor: Actor, via: str, document_url: str
) -> Feed:
    """New and changed applications after change number `after`, oldest change first."""
    rows = await changed_after(agency_id, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = await _views(rows, document_url)
    await _audit_reads("agency.application_read", actor, rows, via)
    return Feed(items=items, next=rows[-1]["change_seq"] if rows else after, more=more)


async def application_view(
    agency_id: int, application_id: int, *, actor: Actor, action: str, via: str, document_url: str
) -> ApplicationView:
    rows = (
        await Application.select(*_VIEW)
        .where(visible(agency_id) & (Application.id == application_id))
        .limit(1)
    )
    if not rows:
        raise ApplicationNotFoundError()
    await _audit_reads(action, actor, rows, via)
    return (await _views(rows, document_url))[0]


async def download_document(
    agency_id: int, document_id: int, *, actor: Actor, via: str, settings: Settings
) -> tuple[DocumentRow, Any]:
    """A document attached (as a file answer) to one of the agency's applications.

    The owner's applications to this agency are few, so they are read and their answers
    checked exactly, rather than searching every application's JSON for the id."""
    owner = await Document.select(Document.account).where(Document.id == document_id).first()
    if owner is None:
        raise DocumentNotFoundError()
    rows = await Application.select(Application.id, Application.service, Application.answers).where(
        visible(agency_id) & (Application.account == owner["account"])
    )
    forms = await forms_of(r["service"] for r in rows)
    attached_to = [
        r["id"]
        for r in rows
        if document_id
        in file_answers(forms.get(r["service"], []), json.loads(r["answers"])).values()
    ]
    if not attached_to:
        raise DocumentNotFoundError()
    document, chunks = await document_for_download(document_id, settings=settings)
    async with write_transaction():
        await record(
            "document.read",
            actor,
            subject_account_id=document.account_id,
            object_type="document",
            object_id=document_id,
            detail={"via": via, "application": attached_to[0]},
        )
    return document, chunks


REASON_NEEDED = {
    "en": "Tell the citizen why (a message in Thai, English or both).",
    "th": "กรุณาแจ้งเหตุผลแก่ประชาชน (ข้อความภาษาไทยหรืออังกฤษ)",
}
"""Refusal of a needs_info or rejected change without a message (422, field `message`)."""


async def change_status(
    agency_id: int, application_id: int, change: StatusChange, actor: Actor
) -> StatusChanged:
    """Check what only the agency side asks for (needs, messages), then the one status-change
    path: history, dashboard, audit and notifications in one transaction, on the row locked
    once."""
    th, en = change.message.th.strip(), change.message.en.strip()
    async with write_transaction():
        app = await applications.locked_for_agency(agency_id, application_id)
        errors: dict[str, dict[str, str]] = {}
        if change.needs and change.status != "needs_info":
            errors["needs"] = field_message(
                "Only a needs_info change names fields.", "ระบุช่องได้เฉพาะเมื่อขอข้อมูลเพิ่ม"
            )
        elif change.needs:
            form = (await forms_of([app["service"]])).get(app["service"], [])
            unknown = sorted(set(change.needs) - {f.name for f in form})
            if unknown:
                errors["needs"] = field_message(
                    f"Not fields of this form: {', '.join(unknown)}.",
                    f"ไม่มีช่องเหล่านี้ในแบบฟอร์ม: {', '.join(unknown)}",
                )
        if change.status in {"needs_info", "rejected"} and not (th or en):
            errors["message"] = REASON_NEEDED
        if change.reply_by is not None and (problem := reply_by_problem(change)):
            errors["reply_by"] = problem
        if errors:
            raise ValidationFailedError(fields=errors)
        seq = await applications.change_status(
            app,
            change.status,
            actor,
            # A citizen who reads only Thai still sees an English-only message rather than none.
            message_th=th or en,
            message_en=en or th,
            needs_fields=list(dict.fromkeys(change.needs)),
            reply_by=change.reply_by,
        )
    return StatusChanged(application_id=application_id, status=change.status, change_seq=seq)
