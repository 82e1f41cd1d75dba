"""An agency's own services in the catalog: list, create, update, publish and withdraw; forms
are checked before they are stored."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import asyncpg
import msgspec

from backend.agency_api.errors import ServiceSlugTakenError, field_message
from backend.agency_api.schemas import (
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
)
from backend.catalog.errors import ServiceNotFoundError
from backend.catalog.forms import FormField, FormSchemaError
from backend.catalog.life_events import LIFE_EVENTS
from backend.catalog.services import upsert_service
from backend.catalog.tables import Service
from backend.lib.db import write_transaction
from backend.lib.errors import ValidationFailedError
from backend.lib.schema import I18n
from backend.system.audit import Actor, record
from backend.system.hotcache import EVERYONE, announce, forget_here


def _service_out(row: dict[str, Any]) -> ServiceOut:
    def as_list(value: Any) -> list[Any]:
        return json.loads(value) if isinstance(value, str) else list(value or [])

    return ServiceOut(
        slug=row["slug"],
        name=I18n(th=row["name_th"], en=row["name_en"]),
        summary=I18n(th=row["summary_th"], en=row["summary_en"]),
        description=I18n(th=row["description_th"], en=row["description_en"]),
        fee_satang=row["fee_satang"],
        processing_days=row["processing_days"],
        required_documents=as_list(row["required_documents"]),
        required_assurance=row["required_assurance"],
        life_events=as_list(row["life_events"]),
        form=msgspec.convert(as_list(row["form_schema"]), list[FormField]),
        published=row["published"],
        updated_at=row["updated_at"],
        fee_kind=row["fee_kind"],
        fee_biller_id=row["fee_biller_id"],
        fee_due_days=row["fee_due_days"],
        fee_overdue=row["fee_overdue"],
        fee_on_paid=row["fee_on_paid"],
    )


async def list_services(agency_id: int) -> list[ServiceOut]:
    rows = await Service.select().where(Service.agency == agency_id).order_by(Service.slug)
    return [_service_out(r) for r in rows]


async def _own_service(agency_id: int, slug: str) -> dict[str, Any]:
    row = (
        await Service.select().where((Service.slug == slug) & (Service.agency == agency_id)).first()
    )
    if row is None:
        raise ServiceNotFoundError()
    return dict(row)


async def get_service(agency_id: int, slug: str) -> ServiceOut:
    return _service_out(await _own_service(agency_id, slug))


def _check_life_events(codes: list[str]) -> None:
    unknown = [c for c in codes if c not in LIFE_EVENTS]
    if unknown:
        raise ValidationFailedError(
            fields={
                "life_events": field_message(
                    f"Unknown life events: {', '.join(unknown)}.", "ไม่รู้จักเหตุการณ์ในชีวิตนี้"
                )
            }
        )


def form_refused(problem: FormSchemaError) -> ValidationFailedError:
    """A bad form schema: 422 naming the wrong field, e.g. `fields[2].type`."""
    return ValidationFailedError(
        "The form schema is not valid.",
        "แบบฟอร์มไม่ถูกต้อง",
        fields={problem.field: field_message(problem.message, "แบบฟอร์มไม่ถูกต้อง")},
    )


async def _write_service(
    agency_code: str, slug: str, data: ServiceUpdate, *, published: bool, new: bool = False
) -> None:
    _check_life_events(data.life_events)
    try:
        await upsert_service(
            agency_code,
            {
                "slug": slug,
                "name_th": data.name.th,
                "name_en": data.name.en,
                "summary_th": data.summary.th,
                "summary_en": data.summary.en,
                "description_th": data.description.th,
                "description_en": data.description.en,
                "fee_satang": data.fee_satang,
                "fee_kind": data.fee_kind,
                "fee_biller_id": data.fee_biller_id,
                "fee_due_days": data.fee_due_days,
                "fee_overdue": data.fee_overdue,
                "fee_on_paid": data.fee_on_paid or "",
                "processing_days": data.processing_days,
                "required_documents": data.required_documents,
                "required_assurance": data.required_assurance,
                "life_events": data.life_events,
                "form": data.form,
                "published": published,
            },
            new=new,
        )
    except FormSchemaError as exc:
        raise form_refused(exc) from exc
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as exc:
        raise ServiceSlugTakenError() from exc  # another agency took the slug meanwhile


async def create_service(
    agency_id: int, agency_code: str, data: ServiceCreate, actor: Actor
) -> ServiceOut:
    """A new catalog entry, unpublished until the agency publishes it."""
    async with write_transaction():
        if await Service.exists().where(Service.slug == data.slug):
            raise ServiceSlugTakenError()
        await _write_service(agency_code, data.slug, data, published=False, new=True)
        await record("service.created", actor, object_type="service", object_id=data.slug[:64])
        return await get_service(agency_id, data.slug)


async def update_service(
    agency_id: int, agency_code: str, slug: str, data: ServiceUpdate, actor: Actor
) -> ServiceOut:
    """Replace a service's entry and form (applications already made keep their answers)."""
    async with write_transaction():
        current = await _own_service(agency_id, slug)
        await _write_service(agency_code, slug, data, published=current["published"])
        await record("service.updated", actor, object_type="service", object_id=slug)
        out = await get_service(agency_id, slug)
    forget_here(EVERYONE)  # what this process read of it meanwhile (system.hotcache)
    return out


async def set_published(agency_id: int, slug: str, published: bool, actor: Actor) -> ServiceOut:
    async with write_transaction():
        current = await _own_service(agency_id, slug)
        await Service.update(
            {Service.published: published, Service.updated_at: dt.datetime.now(dt.UTC)}
        ).where(Service.id == current["id"])
        action = "service.published" if published else "service.unpublished"
        await record(action, actor, object_type="service", object_id=slug)
        # Every process forgets what it remembered of the catalog (applying's service form).
        await announce(EVERYONE)
        out = await get_service(agency_id, slug)
    forget_here(EVERYONE)
    return out
