"""File answers point at documents in the citizen's wallet: check they may be attached."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec

from backend.catalog.forms import FormField
from backend.catalog.tables import Service
from backend.lib.errors import ValidationFailedError

__all__ = ["check_attachments", "file_answers", "forms_of"]


async def forms_of(service_ids: Iterable[int]) -> dict[int, list[FormField]]:
    """Service id → its form's fields."""
    wanted = sorted(set(service_ids))
    if not wanted:
        return {}
    rows = await Service.select(Service.id, Service.form_schema).where(Service.id.is_in(wanted))
    forms = {}
    for row in rows:
        raw = row["form_schema"]
        forms[row["id"]] = msgspec.convert(
            json.loads(raw) if isinstance(raw, str) else raw, list[FormField]
        )
    return forms


def file_answers(form: list[FormField], answers: dict[str, Any]) -> dict[str, int]:
    """Field name → document id, for the file fields answered."""
    found = {}
    for field in form:
        value = answers.get(field.name)
        if field.type == "file" and isinstance(value, int) and not isinstance(value, bool):
            found[field.name] = value
    return found


async def check_attachments(
    account_id: int, form: list[FormField], answers: dict[str, Any]
) -> None:
    """Every file answer must be a live document of this citizen, of the field's type."""
    wanted = {f.name: f for f in form if f.type == "file" and f.name in answers}
    if not wanted:
        return
    from backend.documents.services import owned_documents

    owned = await owned_documents(account_id, [int(answers[name]) for name in wanted])
    errors: dict[str, dict[str, str]] = {}
    for name, field in wanted.items():
        document = owned.get(int(answers[name]))
        if document is None:
            errors[name] = {
                "en": "Choose a document from your wallet.",
                "th": "กรุณาเลือกเอกสารจากกระเป๋าเอกสารของคุณ",
            }
        elif document.document_type != field.document_type:
            errors[name] = {
                "en": "This document is of another type.",
                "th": "เอกสารนี้เป็นคนละประเภทกับที่ต้องการ",
            }
    if errors:
        raise ValidationFailedError(fields=errors)
