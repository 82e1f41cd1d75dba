"""Fee request/response types: the citizen's view (with its Thai QR code), the agency's view,
a fee the agency sets and a payment it confirms."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.lib.schema import I18n, Struct

__all__ = ["FeeOut", "FeeSet", "FeeState", "FeeView", "PaymentConfirm", "PaymentConfirmed"]

FeeState = Literal["due", "overdue", "paid", "cancelled"]
"""due: to pay by `due_at`; overdue: unpaid past it; paid: the agency confirmed it;
cancelled: unpaid when the application was withdrawn or refused."""

Satang = Annotated[int, msgspec.Meta(ge=1, le=100_000_000, description="In satang (1/100 baht).")]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=24)]


class FeeView(Struct):
    """A fee as the agency sees it (feed, application, officer console)."""

    state: FeeState
    amount_satang: int
    reference1: str
    """Thai QR reference 1: the tracking code without dashes."""
    reference2: str
    """Thai QR reference 2: the payment reference the bank reports."""
    due_at: dt.datetime
    paid_at: dt.datetime | None = None
    receipt_number: str = ""


class FeeOut(FeeView):
    """The citizen's fee: what to pay, to whom, and the code any Thai banking app pays."""

    amount: str = ""
    """In baht, e.g. "100.00"."""
    agency: I18n = I18n(th="", en="")
    service: I18n = I18n(th="", en="")
    qr_payload: str = ""
    """The Thai QR Payment payload (EMVCo, bill payment); empty once paid."""
    qr_svg: str = ""
    """The code drawn as inline SVG; empty once paid."""
    receipt_url: str = ""
    """The printable e-receipt, once paid."""


class FeeSet(Struct):
    """The agency sets the fee of an application of a per-application service."""

    amount_satang: Satang
    due_days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None
    """Days to pay; the service's own number of days if left out."""


class PaymentConfirm(Struct):
    """What the agency's bank reported for one payment. Only the amount and references:
    never card or bank-account data."""

    amount_satang: Satang
    reference2: Reference
    """The payment reference (Thai QR reference 2) the bank reported."""
    reference1: Reference | None = None
    """Reference 1 as the bank reported it (the tracking code, dashes or not); checked if sent."""
    paid_at: dt.datetime | None = None
    """When the bank says it was paid; now if left out."""
    bank_transaction: Annotated[str, msgspec.Meta(max_length=40, pattern="^[A-Za-z0-9-]*$")] = ""
    """The bank's transaction id, kept on the receipt for reconciliation."""


class PaymentConfirmed(Struct):
    application_id: int
    fee: FeeView
    change_seq: int
    """The application's new position in the feed."""
