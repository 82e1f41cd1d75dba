"""The fees domain's part of a citizen's PDPA rights: their fees and payments in the export.
Not erased: a payment record is kept with its application (which erasure keeps too)."""

from __future__ import annotations

from typing import Any

from backend.fees.tables import Fee
from backend.system.registry import PersonalData

__all__ = ["PART"]


async def _export(account_id: int) -> dict[str, Any]:
    return {
        "fees": await Fee.select(
            Fee.application.tracking_code.as_alias("tracking_code"),
            Fee.amount_satang,
            Fee.status,
            Fee.due_at,
            Fee.paid_at,
            Fee.reference1,
            Fee.reference2,
            Fee.receipt_number,
        ).where(Fee.account == account_id)
    }


PART = PersonalData("fees", export=_export)
