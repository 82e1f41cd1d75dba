"""Demo data that makes a fresh portal feel real. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from backend.accounts.tables import Account
from backend.applications.demo import load_demo_applications
from backend.applications.tables import Application
from backend.catalog.demo_data import AGENCIES, DOCUMENT_TYPES, SERVICES
from backend.catalog.services import upsert_service
from backend.catalog.tables import Agency, DocumentType, Service
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


async def load_demo() -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Insert or refresh the demo rows; return how many of each exist afterwards, and the
    demo applications' (tracking code, last 4 ID digits, status) for trying /track."""
    async with transaction():
        await _load_catalog()
    tracking = await load_demo_applications()
    return {
        "agencies": await Agency.count(),
        "document types": await DocumentType.count(),
        "services": await Service.count(),
        "demo citizens": await Account.count().where(Account.role == "citizen"),
        "applications": await Application.count(),
    }, tracking
