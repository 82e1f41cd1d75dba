"""Reading applications: an application's summary (the dashboard's rows: services.dashboards),
one application with its history, and the public tracking lookup."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec

from backend.accounts.national_ids import open_id
from backend.applications.answers import load
from backend.applications.errors import (
    ApplicationNotFoundError,
)
from backend.applications.schemas import (
    ActionRequired,
    AgencyContact,
    ApplicationDetail,
    HistoryEntry,
    ServiceRef,
)
from backend.applications.status import ACTIVE, CITIZEN_TRANSITIONS
from backend.applications.tables import Application, StatusEvent
from backend.lib.schema import I18n
from backend.lib.workdays import expected_by
from backend.system.registry import ExtensionPoint, current

MAX_DASHBOARD_PAGE = 50

DetailPart = Callable[[int, ApplicationDetail], Awaitable[dict[str, Any]]]
DETAIL_PARTS: ExtensionPoint[DetailPart] = ExtensionPoint("applications.detail_parts")
"""What a domain above adds to the citizen's view of one application: (account id, the
detail) → keys of `ApplicationDetail.parts`, e.g. the booked visit."""


_SUMMARY = (
    Application.id,
    Application.tracking_code,
    Application.status,
    Application.updated_at,
    Application.action_required,
    Application.change_seq,
    Application.deleted_at,
    Application.submitted_at,
    Application.service.processing_days.as_alias("processing_days"),
    Application.service.slug.as_alias("service_slug"),
    Application.service.name_th.as_alias("service_th"),
    Application.service.name_en.as_alias("service_en"),
    Application.agency.code.as_alias("agency_code"),
    Application.agency.name_th.as_alias("agency_th"),
    Application.agency.name_en.as_alias("agency_en"),
)


def action_required(raw: str) -> ActionRequired | None:
    if not raw:
        return None
    data = json.loads(raw)
    reply_by = data.get("reply_by")
    return ActionRequired(
        message=I18n(th=data.get("th", ""), en=data.get("en", "")),
        fields=list(data.get("fields") or []),
        reply_by=dt.date.fromisoformat(reply_by) if reply_by else None,
        refused=list(data.get("refused") or []),
    )


def _service_ref(row: Mapping[str, Any]) -> ServiceRef:
    return ServiceRef(
        slug=row["service_slug"],
        name=I18n(th=row["service_th"], en=row["service_en"]),
        agency=row["agency_code"],
        agency_name=I18n(th=row["agency_th"], en=row["agency_en"]),
    )


def expected(row: Mapping[str, Any]) -> dt.date | None:
    """The promised decision date of an undecided application (None: decided, a draft, or a
    service that promises no time)."""
    return expected_of(row["status"], row["submitted_at"], row["processing_days"])


def expected_of(status: str, submitted: Any, processing_days: int | None) -> dt.date | None:
    """`expected`, from the application's status and submission time and its service's days."""
    if status not in ACTIVE or submitted is None:
        return None
    if isinstance(submitted, str):  # SQLite, read with plain SQL
        submitted = dt.datetime.fromisoformat(submitted)
    return expected_by(submitted, int(processing_days or 0))


MAX_DETAIL = 40
"""Characters of the identifying answer a card shows (a plate number fits with room)."""


def identifying(identifier: str, answers: str) -> str:
    """The answer (in the application's `answers` JSON) to the service's identifying field
    (catalog `identifies`), as text; '' when the service marks none or the answer is not
    plain (a sealed ID number is never shown)."""
    if not identifier or not answers:
        return ""
    value = msgspec.json.decode(answers).get(identifier)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)[:MAX_DETAIL]


async def service_of(account_id: int, application_id: int) -> str | None:
    """The service (slug) of one of the account's applications, or None."""
    row = (
        await Application.select(Application.service.slug.as_alias("slug"))
        .where((Application.id == application_id) & (Application.account == account_id))
        .first()
    )
    return None if row is None else str(row["slug"])


async def get_detail(account_id: int, application_id: int) -> ApplicationDetail:
    row = (
        await Application.select(
            *_SUMMARY,
            Application.answers,
            Application.created_at,
            Application.agency.contact_phone.as_alias("agency_phone"),
            Application.agency.contact_email.as_alias("agency_email"),
            Application.agency.website.as_alias("agency_website"),
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
    detail = _detail(row, await history(application_id))
    await add_parts(account_id, detail)
    return detail


async def add_parts(account_id: int, detail: ApplicationDetail) -> None:
    """What the domains above add to the citizen's view (`DETAIL_PARTS`)."""
    for part in current().extensions(DETAIL_PARTS):
        detail.parts.update(await part(account_id, detail))


def _detail(row: dict[str, Any], entries: list[HistoryEntry]) -> ApplicationDetail:
    return ApplicationDetail(
        id=row["id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        service=_service_ref(row),
        answers=load(row["answers"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        history=entries,
        action=action_required(row["action_required"]) if row["status"] == "needs_info" else None,
        can_withdraw="withdrawn" in CITIZEN_TRANSITIONS.get(row["status"], frozenset()),
        expected_by=expected(row),
        contact=AgencyContact(
            phone=row["agency_phone"], email=row["agency_email"], website=row["agency_website"]
        )
        if "agency_phone" in row
        else None,
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
            Application.account.national_id_sealed.as_alias("national_id"),
        )
        .where(
            (Application.tracking_code == tracking_code.strip().upper())
            & Application.deleted_at.is_null()
            & (Application.status != "draft")
        )
        .first()
    )
    if row is None or len(id_last4) != 4:
        return None
    national_id = open_id(row["national_id"]) or ""
    if not hmac.compare_digest(national_id[-4:].encode(), id_last4.encode()):
        return None
    row["answers"] = "{}"  # tracking shows status, never what the citizen wrote
    return _detail(row, await history(int(row["id"])))
