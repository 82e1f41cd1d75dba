"""The kiosk's parts: routes, the context of requests from a kiosk's browser (for accounts),
the operator sessions its assisted sessions keep, and its part of a citizen's personal
data."""

from __future__ import annotations

from backend.accounts.auth import REQUEST_CONTEXTS
from backend.accounts.sessions import SESSION_KEEPERS
from backend.kiosk import personal_data
from backend.kiosk.assist import KioskRequests
from backend.kiosk.cli import audit
from backend.kiosk.controllers import (
    AdminKioskController,
    AssistedSessionController,
    KioskConsentController,
    KioskDeviceController,
    ReceiptController,
    RecoveryCodeController,
    StaffAlertController,
)
from backend.system.registry import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [
        RecoveryCodeController,
        StaffAlertController,
        AdminKioskController,
        KioskDeviceController,
        AssistedSessionController,
        KioskConsentController,
        ReceiptController,
    ]
    registry.commands.append(audit)
    registry.extend(REQUEST_CONTEXTS, KioskRequests())
    # An assisted session holds the citizen's consent record; its operator's session stays.
    registry.extend(SESSION_KEEPERS, ("assisted_session", "operator_session"))
    registry.personal_data.append(personal_data.PART)
