"""Fees: one falls due on submission (a fixed fee) or when the agency sets it; the citizen
pays with a Thai QR code from any banking app; the agency, told by its bank, confirms the
amount and references; the application moves on; the citizen gets a push and an e-receipt.
Unpaid past its due date, the service's rule applies: one reminder push, then the agency
decides (every fee found overdue also moves on the agency's feed, so it hears of it).

The portal never sees card or bank-account data: only amounts and the two references."""

from __future__ import annotations

from backend.fees.services.common import baht, state_of
from backend.fees.services.due import CLOSED, on_status_changed, set_fee, sweep_overdue
from backend.fees.services.paying import confirm_payment
from backend.fees.services.reading import (
    citizen_fee,
    due_for_receipt,
    fee_views,
    payload_of,
    receipt_data,
)

__all__ = [
    "CLOSED",
    "baht",
    "citizen_fee",
    "confirm_payment",
    "due_for_receipt",
    "fee_views",
    "on_status_changed",
    "payload_of",
    "receipt_data",
    "set_fee",
    "state_of",
    "sweep_overdue",
]
