"""Catalog queries and writes. Controllers stay thin; the rules live here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.catalog.errors import ServiceNotFoundError
from backend.catalog.forms import FormField, decode_form_schema, identifier
from backend.catalog.life_events import LIFE_EVENTS
from backend.catalog.schemas import (
    AgencyRef,
    AgencySummary,
    Catalog,
    DocumentTypeOut,
    LifeEvent,
    ServiceDetail,
    ServicePage,
    ServiceSummary,
)
from backend.catalog.tables import Agency, DocumentType, Service
from backend.lib.errors import ClientError, NotFoundError
from backend.lib.schema import I18n
from backend.system.hotcache import EVERYONE, announce

__all__ = [
    "MAX_PAGE",
    "build_search_text",
    "catalog_view",
    "get_service",
    "life_events",
    "list_agencies",
    "list_document_types",
    "search_services",
]

MAX_PAGE = 50
"""Largest page of catalog results; a phone shows ~10 at a time."""

MAX_QUERY = 100
"""Longest search text accepted."""


_SUMMARY_COLUMNS = (
    Service.slug,
    Service.name_th,
    Service.name_en,
    Service.summary_th,
    Service.summary_en,
    Service.fee_satang,
    Service.fee_kind,
    Service.processing_days,
    Service.life_events,
    Service.agency.code.as_alias("agency_code"),
    Service.agency.name_th.as_alias("agency_name_th"),
    Service.agency.name_en.as_alias("agency_name_en"),
)


def build_search_text(service: dict[str, Any], agency: dict[str, Any]) -> str:
    """The text substring search runs over: names, summaries, agency, life-event labels."""
    parts = [
        service.get("slug", ""),
        service.get("name_th", ""),
        service.get("name_en", ""),
        service.get("summary_th", ""),
        service.get("summary_en", ""),
        agency.get("code", ""),
        agency.get("name_th", ""),
        agency.get("name_en", ""),
    ]
    for code in service.get("life_events", []):
        label = LIFE_EVENTS.get(code)
        if label:
            parts += [label.th, label.en]
    return " ".join(str(p) for p in parts if p).lower()


def _like_term(term: str) -> str:
    # LIKE wildcards typed by a citizen are taken literally by dropping them.
    cleaned = term.replace("%", "").replace("_", "").replace("\\", "")
    return f"%{cleaned}%"


def _summary(row: dict[str, Any]) -> ServiceSummary:
    events = row["life_events"]
    return ServiceSummary(
        slug=row["slug"],
        name=I18n(th=row["name_th"], en=row["name_en"]),
        summary=I18n(th=row["summary_th"], en=row["summary_en"]),
        agency=AgencyRef(
            code=row["agency_code"],
            name=I18n(th=row["agency_name_th"], en=row["agency_name_en"]),
        ),
        fee_satang=row["fee_satang"],
        fee_kind=row["fee_kind"],
        processing_days=row["processing_days"],
        life_events=json.loads(events) if isinstance(events, str) else list(events),
    )


async def search_services(
    *,
    q: str | None,
    agency: str | None,
    life_event: str | None,
    limit: int,
    offset: int,
) -> ServicePage:
    """Published services matching every word of `q`, in an agency, for a life event."""
    if life_event is not None and life_event not in LIFE_EVENTS:
        raise ClientError(
            f"Unknown life event {life_event!r}.",
            "ไม่รู้จักเหตุการณ์ในชีวิตนี้",
            code="unknown_life_event",
        )
    if q is not None and len(q) > MAX_QUERY:
        raise ClientError(
            f"Search text is longer than {MAX_QUERY} characters.",
            "ข้อความค้นหายาวเกินไป",
            code="query_too_long",
        )
    where = [Service.published == True]  # noqa: E712 - Piccolo builds SQL from ==
    for term in (q or "").lower().split():
        where.append(Service.search_text.like(_like_term(term)))
    if agency:
        where.append(Service.agency.code == agency.upper())
    if life_event:
        # Codes are [a-z_] from a fixed vocabulary, so a quoted substring match is exact.
        where.append(Service.life_events.like(f'%"{life_event}"%'))

    query = Service.select(*_SUMMARY_COLUMNS)
    count = Service.count()
    for condition in where:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.order_by(Service.name_th).limit(limit).offset(offset)
    total = await count
    return ServicePage(items=[_summary(r) for r in rows], total=total, limit=limit, offset=offset)


async def catalog_view(
    *, q: str | None, agency: str | None, life_event: str | None, limit: int, offset: int
) -> Catalog:
    """A page of services with the agencies and life events to filter it by: what the
    catalog screen needs to draw, in one round trip."""
    page = await search_services(
        q=q, agency=agency, life_event=life_event, limit=limit, offset=offset
    )
    agencies = await Agency.select(Agency.code, Agency.name_th, Agency.name_en).order_by(
        Agency.code
    )
    return Catalog(
        services=page,
        agencies=[
            AgencyRef(code=r["code"], name=I18n(th=r["name_th"], en=r["name_en"])) for r in agencies
        ],
        life_events=life_events(),
    )


def life_events() -> list[LifeEvent]:
    """The life events services are grouped by."""
    return [LifeEvent(code=code, name=name) for code, name in LIFE_EVENTS.items()]


async def get_service(slug: str, *, include_unpublished: bool = False) -> ServiceDetail:
    query = Service.select(
        *_SUMMARY_COLUMNS,
        Service.description_th,
        Service.description_en,
        Service.required_documents,
        Service.required_assurance,
        Service.form_schema,
        Service.published,
        Service.agency.contact_phone.as_alias("agency_phone"),
        Service.agency.contact_email.as_alias("agency_email"),
        Service.agency.website.as_alias("agency_website"),
    ).where(Service.slug == slug)
    row = await query.first()
    if row is None or not (row["published"] or include_unpublished):
        raise ServiceNotFoundError()
    doc_codes: list[str] = _json_list(row["required_documents"])
    doc_types = {d.code: d for d in await list_document_types()}
    summary = _summary(row)
    return ServiceDetail(
        **{f: getattr(summary, f) for f in summary.__struct_fields__},
        description=I18n(th=row["description_th"], en=row["description_en"]),
        required_documents=[doc_types[c] for c in doc_codes if c in doc_types],
        required_assurance=row["required_assurance"],
        form=msgspec.convert(_json_list(row["form_schema"]), list[FormField]),
        contact=AgencySummary(
            code=summary.agency.code,
            name=summary.agency.name,
            phone=row["agency_phone"],
            email=row["agency_email"],
            website=row["agency_website"],
        ),
    )


def _json_list(value: Any) -> list[Any]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


async def list_agencies() -> list[AgencySummary]:
    rows = await Agency.select().order_by(Agency.code)
    return [
        AgencySummary(
            code=r["code"],
            name=I18n(th=r["name_th"], en=r["name_en"]),
            phone=r["contact_phone"],
            email=r["contact_email"],
            website=r["website"],
        )
        for r in rows
    ]


async def list_document_types() -> list[DocumentTypeOut]:
    rows = await DocumentType.select().order_by(DocumentType.code)
    return [
        DocumentTypeOut(code=r["code"], name=I18n(th=r["name_th"], en=r["name_en"])) for r in rows
    ]


async def upsert_service(agency_code: str, data: dict[str, Any], *, new: bool = False) -> None:
    """Create or replace a service from demo/agency data, validating its form schema. Inside
    the caller's write transaction. `new`: create only, with a plain INSERT (a slug another
    caller took meanwhile fails on the unique index, never replaces their service)."""
    agency = await Agency.select().where(Agency.code == agency_code).first()
    if agency is None:
        raise NotFoundError(f"Unknown agency {agency_code!r}.", code="agency_not_found")
    doc_codes = {d.code for d in await list_document_types()}
    fields = decode_form_schema(data["form"], doc_codes)
    unknown_docs = [c for c in data.get("required_documents", []) if c not in doc_codes]
    if unknown_docs:
        raise ClientError(f"Unknown document types: {unknown_docs}", code="unknown_document_type")
    values: dict[Column | str, Any] = {
        "slug": data["slug"],
        "agency": agency["id"],
        "name_th": data["name_th"],
        "name_en": data["name_en"],
        "summary_th": data.get("summary_th", ""),
        "summary_en": data.get("summary_en", ""),
        "description_th": data.get("description_th", ""),
        "description_en": data.get("description_en", ""),
        "life_events": json.dumps(data.get("life_events", [])),
        "required_documents": json.dumps(data.get("required_documents", [])),
        "fee_satang": data.get("fee_satang", 0),
        "fee_kind": data.get("fee_kind", "fixed"),
        "fee_biller_id": data.get("fee_biller_id", ""),
        "fee_due_days": data.get("fee_due_days", 7),
        "fee_overdue": data.get("fee_overdue", "remind"),
        "fee_on_paid": data.get("fee_on_paid", ""),
        "processing_days": data.get("processing_days", 0),
        "required_assurance": data.get("required_assurance", "self_asserted"),
        "form_schema": msgspec.json.encode(fields).decode(),
        "identifier": identifier(fields),
        "published": data.get("published", True),
        "updated_at": dt.datetime.now(dt.UTC),
    }
    values["search_text"] = build_search_text({**data}, dict(agency))
    existing = (
        None
        if new
        else await Service.select(Service.id).where(Service.slug == data["slug"]).first()
    )
    if existing is None:
        await Service.insert(Service.from_dict({str(k): v for k, v in values.items()}))
    else:
        await Service.update(values).where(Service.id == existing["id"])
        # Its names are on the dashboards of everyone who applied for it.
        await announce(EVERYONE)
