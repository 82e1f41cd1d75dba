"""What the fees domain announces (to notifications, through its plug-in module): a fee fell
due, was paid, or is overdue. Listeners run in the announcing transaction."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FeeDue", "FeeEvent", "FeeOverdue", "FeePaid"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeEvent:
    application_id: int
    account_id: int
    tracking_code: str
    amount_satang: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeDue(FeeEvent):
    """The agency set a fee for the application (not told for a fee due on submission: the
    citizen sees that one on the screen they submitted from)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePaid(FeeEvent):
    """The agency confirmed the payment; the e-receipt is ready."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeOverdue(FeeEvent):
    """Unpaid past the due date under a service whose rule is to remind once."""
