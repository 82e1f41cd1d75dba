"""File answers point at documents in the citizen's wallet: check they may be attached."""

from __future__ import annotations

from typing import Any

from backend.catalog.forms import FormField
from backend.lib.errors import ValidationFailedError

__all__ = ["check_attachments"]


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
