"""Demo data that makes a fresh portal feel real. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from backend.catalog.demo_data import AGENCIES, DOCUMENT_TYPES, SERVICES
from backend.catalog.services import upsert_service
from backend.catalog.tables import Agency, DocumentType
from backend.lib.db import transaction

__all__ = ["load_demo"]


async def _load_catalog() -> None:
    for agency in AGENCIES:
        if not await Agency.exists().where(Agency.code == agency["code"]):
            await Agency.insert(Agency.from_dict({**agency, "created_at": dt.datetime.now(dt.UTC)}))
    for doc in DOCUMENT_TYPES:
        if not await DocumentType.exists().where(DocumentType.code == doc["code"]):
            await DocumentType.insert(DocumentType.from_dict(doc))
    for service in SERVICES:
        data = {k: v for k, v in service.items() if k != "agency"}
        await upsert_service(service["agency"], data)


async def load_demo() -> dict[str, int]:
    """Insert or refresh the demo rows; return how many of each exist afterwards."""
    async with transaction():
        await _load_catalog()
    from backend.catalog.tables import Service

    return {
        "agencies": await Agency.count(),
        "document types": await DocumentType.count(),
        "services": await Service.count(),
    }
