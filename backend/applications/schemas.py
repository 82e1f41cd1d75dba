"""Applications request/response types. Dashboard items are kept lean: 20 of them must fit in
a few KB on a weak link."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from backend.applications.status import Status
from backend.lib.schema import I18n, Struct

__all__ = [
    "ActionRequired",
    "AnswerNeedsInfo",
    "ApplicationCreate",
    "ApplicationDetail",
    "ApplicationSummary",
    "Dashboard",
    "DraftUpdate",
    "HistoryEntry",
    "ServiceRef",
    "Withdraw",
]

Answers = dict[str, Any]


class ServiceRef(Struct):
    slug: str
    name: I18n
    agency: str
    agency_name: I18n


class AgencyContact(Struct):
    """Whom the citizen calls or writes to about an application."""

    phone: str = ""
    email: str = ""
    website: str = ""


class ActionRequired(Struct):
    """What the agency asked for (needs_info): a message and the fields to fill again."""

    message: I18n
    fields: list[str] = []
    reply_by: dt.date | None = None
    """The last day the agency waits for the answer (a working day); after it, it may decide
    with what it has."""
    refused: list[int] = []
    """Wallet documents the agency found unusable (those attached to the fields asked for
    again): never offered first in the reply."""


class ApplicationSummary(Struct):
    id: int
    tracking_code: str
    status: Status
    updated_at: dt.datetime
    service: ServiceRef
    action: ActionRequired | None = None
    deleted: bool = False
    expected_by: dt.date | None = None
    """While the agency has not decided: the last day of the service's promised processing
    time (government working days after submission). Past it, the application is overdue."""
    detail: str = ""
    """The answer that tells it apart from the citizen's other applications for the same
    service (the field the service marks `identifies`, e.g. a plate number)."""


class Dashboard(Struct):
    items: list[ApplicationSummary]
    sync: int
    """Pass back as `since` to receive only what changed after this response."""
    next_cursor: int | None = None


class HistoryEntry(Struct):
    status: Status
    at: dt.datetime
    message: I18n | None = None
    by: str = ""


class ApplicationDetail(Struct):
    id: int
    tracking_code: str
    status: Status
    service: ServiceRef
    answers: Answers
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[HistoryEntry]
    submitted_at: dt.datetime | None = None
    action: ActionRequired | None = None
    can_withdraw: bool = False
    expected_by: dt.date | None = None
    """As on the dashboard: the promised decision date while undecided."""
    contact: AgencyContact | None = None
    """The agency's phone, email and website, shown on every application."""
    parts: dict[str, Any] = {}
    """What the domains above add, by name (`DETAIL_PARTS`): `appointments`, the visit booked
    for it and whether its service can be booked."""


class ApplicationCreate(Struct):
    service: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    answers: Answers = {}
    submit: bool = True
    """False saves a server-side draft instead of submitting."""


class DraftUpdate(Struct):
    answers: Answers


class AnswerNeedsInfo(Struct):
    answers: Answers = {}
    message: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class Withdraw(Struct):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
