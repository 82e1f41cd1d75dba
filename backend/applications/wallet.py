"""Where the citizen's wallet documents went: the applications whose file answers name them
(fills documents.uses.DOCUMENT_USES), and the documents an agency refused when it asks for
their fields again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from backend.applications.attachments import file_answers, forms_of
from backend.applications.status import ACTIVE
from backend.applications.tables import Application
from backend.documents.schemas import DocumentUse
from backend.lib.schema import I18n

__all__ = ["document_uses", "refused_documents"]


async def document_uses(account_id: int, ids: Sequence[int]) -> dict[int, list[DocumentUse]]:
    """Document id → the account's applications (drafts included) that attached it, newest
    first. One awaiting the agency is `pending`, unless that agency refused the document."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = (
        await Application.select(
            Application.id,
            Application.tracking_code,
            Application.status,
            Application.answers,
            Application.action_required,
            Application.service,
            Application.service.name_th.as_alias("service_th"),
            Application.service.name_en.as_alias("service_en"),
        )
        .where((Application.account == account_id) & Application.deleted_at.is_null())
        .order_by(Application.id, ascending=False)
    )
    forms = await forms_of(r["service"] for r in rows)
    found: dict[int, list[DocumentUse]] = {}
    for row in rows:
        # File answers are plain ids: read without opening the sealed ID numbers.
        attached = file_answers(forms.get(row["service"], []), json.loads(row["answers"]))
        refused = set(json.loads(row["action_required"] or "{}").get("refused") or [])
        for document_id in set(attached.values()) & wanted:
            found.setdefault(document_id, []).append(
                DocumentUse(
                    application=row["id"],
                    tracking_code=row["tracking_code"],
                    service=I18n(th=row["service_th"], en=row["service_en"]),
                    status=row["status"],
                    pending=row["status"] in ACTIVE and document_id not in refused,
                )
            )
    return found


async def refused_documents(app: dict[str, Any], fields: Sequence[str]) -> list[int]:
    """The documents attached to the file fields an agency asks for again (it could not use
    them), marked so in the wallet. Inside the status change's transaction."""
    from backend.documents.uses import mark_refused

    form = (await forms_of([app["service"]])).get(app["service"], [])
    attached = file_answers(form, json.loads(app["answers"]))
    ids = sorted({attached[name] for name in fields if name in attached})
    await mark_refused(app["account"], ids, app["id"])
    return ids
