"""What the fee services share: amounts in baht, a fee's state and view, opening a fee,
and moving the application on in the feed."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from backend.applications.services.changes import next_change
from backend.applications.tables import Application
from backend.fees.schemas import FeeState, FeeView
from backend.fees.tables import Fee
from backend.lib import thai_qr

__all__ = [
    "as_view",
    "baht",
    "move_on",
    "open_fee",
    "state_of",
    "utc_now",
]


ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Payment references: upper case and digits (what banking apps accept), no 0/O or 1/I."""
REFERENCE_LENGTH = 12
"""32^12 ≈ 10^18 references: never guessed, and within reference 2's 20 characters."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def baht(satang: int) -> str:
    return f"{satang // 100:,}.{satang % 100:02d}"


def state_of(fee: dict[str, Any], now: dt.datetime | None = None) -> FeeState:
    if fee["status"] == "paid":
        return "paid"
    if fee["status"] == "cancelled":
        return "cancelled"
    return "overdue" if fee["due_at"] < (now or utc_now()) else "due"


def as_view(fee: dict[str, Any]) -> FeeView:
    return FeeView(
        state=state_of(fee),
        amount_satang=fee["amount_satang"],
        reference1=fee["reference1"],
        reference2=fee["reference2"],
        due_at=fee["due_at"],
        paid_at=fee["paid_at"],
        receipt_number=fee["receipt_number"],
    )


async def open_fee(app: dict[str, Any], amount: int, biller_id: str, due_days: int) -> None:
    now = utc_now()
    await Fee.insert(
        Fee(
            application=app["id"],
            account=app["account"],
            agency=app["agency"],
            amount_satang=amount,
            biller_id=biller_id,
            reference1=thai_qr.reference(app["tracking_code"]),
            reference2="".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH)),
            status="due",
            due_at=now + dt.timedelta(days=due_days),
            created_at=now,
        )
    )


async def move_on(app: dict[str, Any]) -> int:
    """The application's next change number: the dashboard and the feed show the fee's new
    state. Last in the transaction (it announces), the application locked by the caller
    first, as every writer locks what it changes before its number (system.counters)."""
    seq = await next_change(app["account"])
    await Application.update({Application.change_seq: seq}).where(Application.id == app["id"])
    return seq
