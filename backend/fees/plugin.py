"""The fees domain's parts: the citizen's fee and e-receipt routes, a fixed fee falling due
on submission (a listener of applications' StatusChanged), and the overdue sweep. It
announces FeeDue, FeePaid and FeeOverdue (fees.events); the agency API's calls live there."""

from __future__ import annotations

from backend.applications.events import StatusChanged
from backend.fees import personal_data, services
from backend.fees.controllers import FeeController, PaymentReceiptController
from backend.system.registry import Registry, Sweep

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [FeeController, PaymentReceiptController]
    registry.listen(StatusChanged, services.on_status_changed)
    registry.sweeps.append(Sweep("fee_overdue", services.sweep_overdue))
    registry.personal_data.append(personal_data.PART)
