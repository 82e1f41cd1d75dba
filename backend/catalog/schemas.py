"""Catalog request/response types, kept small: phones pay for every byte."""

from __future__ import annotations

from typing import Literal

from backend.catalog.forms import FormField
from backend.lib.schema import I18n, Struct

__all__ = [
    "AgencyRef",
    "AgencySummary",
    "Catalog",
    "DocumentTypeOut",
    "FeeKind",
    "FeeOverdue",
    "LifeEvent",
    "ServiceDetail",
    "ServicePage",
    "ServiceSummary",
]

FeeKind = Literal["fixed", "per_application"]
FeeOverdue = Literal["remind", "agency"]
"""Unpaid past its due date: one reminder push, then the agency decides; or the agency at once."""


class AgencyRef(Struct):
    code: str
    name: I18n


class AgencySummary(AgencyRef):
    phone: str = ""
    email: str = ""
    website: str = ""


class LifeEvent(Struct):
    code: str
    name: I18n


class DocumentTypeOut(Struct):
    code: str
    name: I18n


class ServiceSummary(Struct):
    slug: str
    name: I18n
    summary: I18n
    agency: AgencyRef
    fee_satang: int
    processing_days: int
    fee_kind: FeeKind = "fixed"
    """fixed: `fee_satang` is due on submission; per_application: the agency sets it."""
    life_events: list[str] = []


class ServicePage(Struct):
    items: list[ServiceSummary]
    total: int
    limit: int
    offset: int


class ServiceDetail(ServiceSummary):
    description: I18n = I18n(th="", en="")
    required_documents: list[DocumentTypeOut] = []
    required_assurance: str = "self_asserted"
    form: list[FormField] = []
    contact: AgencySummary | None = None


class Catalog(Struct):
    """The catalog's first view in one answer: a page of services and what to filter by."""

    services: ServicePage
    agencies: list[AgencyRef]
    life_events: list[LifeEvent]
