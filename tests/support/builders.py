"""Builders shared by test packages: rows and changes made the way the product makes them."""

from __future__ import annotations

from backend.applications import services
from backend.applications.status import Status
from backend.lib.db import write_transaction
from backend.system.audit import Actor

__all__ = ["set_status"]


async def set_status(
    application_id: int,
    status: Status,
    actor: Actor,
    *,
    agency_id: int,
    message_th: str = "",
    message_en: str = "",
    needs_fields: list[str] | None = None,
) -> int:
    """The agency moves the application on, as its API does: lock, check, change."""
    async with write_transaction():
        app = await services.locked_for_agency(agency_id, application_id)
        return await services.change_status(
            app,
            status,
            actor,
            message_th=message_th,
            message_en=message_en,
            needs_fields=needs_fields,
        )
