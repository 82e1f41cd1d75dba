"""The applications domain's part of a citizen's PDPA rights (see privacy.services).

Submitted applications are the state's record of a public service: kept on erasure, with
their answers, attached documents and history. While one is still being worked on the account
cannot be erased (the agency may need to reach the citizen). Drafts are discarded, and wallet
documents no submitted application attached are removed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from backend.applications.answers import load
from backend.applications.attachments import file_answers, forms_of
from backend.applications.services import COUNTER, histories
from backend.applications.status import ACTIVE
from backend.applications.tables import Application
from backend.documents.personal_data import remove_documents
from backend.lib.db import before_commit, locking
from backend.lib.errors import ConflictError
from backend.system.counters import next_value
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART", "ApplicationsOpenError"]


class ApplicationsOpenError(ConflictError):
    code = "applications_open"
    message_en = (
        "You still have applications being worked on. Withdraw them, or wait for the "
        "agencies' decisions, before deleting your account."
    )
    message_th = "คุณยังมีคำขอที่อยู่ระหว่างดำเนินการ กรุณายกเลิกคำขอหรือรอผลการพิจารณาก่อนลบบัญชี"


async def _export(account_id: int) -> dict[str, Any]:
    rows = (
        await Application.select(
            Application.id,
            Application.tracking_code,
            Application.service.slug.as_alias("service"),
            Application.agency.code.as_alias("agency"),
            Application.status,
            Application.answers,
            Application.created_at,
            Application.submitted_at,
            Application.updated_at,
        )
        .where((Application.account == account_id) & Application.deleted_at.is_null())
        .order_by(Application.id)
    )
    # The same entries (status, time, by whom, message) as the application's own page shows.
    history = await histories([r["id"] for r in rows])
    for row in rows:
        row["answers"] = load(row["answers"])  # the citizen's copy: ID numbers in clear
        row["history"] = history.get(row.pop("id"), [])
    return {"applications": rows}


async def _check(erasure: Erasure) -> None:
    open_count = await Application.count().where(
        (Application.account == erasure.account_id)
        & Application.status.is_in(list(ACTIVE))
        & Application.deleted_at.is_null()
    )
    if open_count:
        raise ApplicationsOpenError()


async def _erase(erasure: Erasure) -> None:
    erasure.counts["drafts"] = await _discard_drafts(erasure.account_id)
    await remove_documents(erasure, keep=await _attached(erasure.account_id))


async def _discard_drafts(account_id: int) -> int:
    """Drafts become tombstones without answers (other devices learn of it through `since`).
    Locked now; their change numbers taken last in the erasure's transaction, after the other
    parts' writes (a writer locks all it changes before its number: system.counters)."""
    query = (
        Application.select(Application.id)
        .where(
            (Application.account == account_id)
            & (Application.status == "draft")
            & Application.deleted_at.is_null()
        )
        .order_by(Application.id)
    )
    ids = [row["id"] for row in await locking(query)]
    now = dt.datetime.now(dt.UTC)

    async def tombstones() -> None:
        for application_id in ids:
            await Application.update(
                {
                    Application.answers: "{}",
                    Application.deleted_at: now,
                    Application.updated_at: now,
                    Application.change_seq: await next_value(COUNTER),
                }
            ).where(Application.id == application_id)

    if ids:
        before_commit(tombstones)
    return len(ids)


async def _attached(account_id: int) -> set[int]:
    """The wallet documents that submitted applications attached."""
    submitted = await Application.select(Application.service, Application.answers).where(
        (Application.account == account_id) & (Application.status != "draft")
    )
    forms = await forms_of(r["service"] for r in submitted)
    return {
        document
        for r in submitted
        for document in file_answers(forms.get(r["service"], []), json.loads(r["answers"])).values()
    }


PART = PersonalData("applications", export=_export, check=_check, erase=_erase)
