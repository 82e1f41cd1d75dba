"""Reading applications: the dashboard (as plain SQL, one round trip), one application with its
history, and the public tracking lookup."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.querystring import QueryString

from backend.accounts.national_ids import open_id
from backend.applications.answers import load
from backend.applications.errors import (
    ApplicationNotFoundError,
)
from backend.applications.schemas import (
    ActionRequired,
    AgencyContact,
    ApplicationDetail,
    ApplicationSummary,
    Dashboard,
    HistoryEntry,
    ServiceRef,
)
from backend.applications.status import ACTIVE, CITIZEN_TRANSITIONS
from backend.applications.tables import Application, StatusEvent
from backend.lib.db import current_engine
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


def _service_ref(row: dict[str, Any]) -> ServiceRef:
    return ServiceRef(
        slug=row["service_slug"],
        name=I18n(th=row["service_th"], en=row["service_en"]),
        agency=row["agency_code"],
        agency_name=I18n(th=row["agency_th"], en=row["agency_en"]),
    )


def expected(row: dict[str, Any]) -> dt.date | None:
    """The promised decision date of an undecided application (None: decided, a draft, or a
    service that promises no time)."""
    if row["status"] not in ACTIVE or row["submitted_at"] is None:
        return None
    submitted = row["submitted_at"]
    if isinstance(submitted, str):  # SQLite, read with plain SQL
        submitted = dt.datetime.fromisoformat(submitted)
    return expected_by(submitted, int(row["processing_days"] or 0))


MAX_DETAIL = 40
"""Characters of the identifying answer a card shows (a plate number fits with room)."""


def identifying(row: dict[str, Any]) -> str:
    """The answer to the service's identifying field (catalog `identifies`), as text; '' when
    the service marks none or the answer is not plain (a sealed ID number is never shown)."""
    if not row.get("identifier") or not row.get("id_answers"):
        return ""
    value = json.loads(row["id_answers"]).get(row["identifier"])
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)[:MAX_DETAIL]


def _summary(row: dict[str, Any]) -> ApplicationSummary:
    return ApplicationSummary(
        id=row["id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        updated_at=row["updated_at"],
        service=_service_ref(row),
        action=action_required(row["action_required"]) if row["status"] == "needs_info" else None,
        deleted=row["deleted_at"] is not None,
        expected_by=expected(row),
        detail=identifying(row),
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
    a.deleted_at, a.submitted_at, s.processing_days,
    s.slug AS service_slug, s.name_th AS service_th, s.name_en AS service_en, s.identifier,
    CASE WHEN s.identifier <> '' THEN a.answers ELSE '' END AS id_answers,
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
