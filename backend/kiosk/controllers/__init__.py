"""Kiosk HTTP API: admins register kiosks, a browser activates as one, operators run
assisted sessions, citizens approve from their own phone."""

from __future__ import annotations

from backend.kiosk.controllers.admin import AdminKioskController, StaffAlertController
from backend.kiosk.controllers.assisted import AssistedSessionController, KioskConsentController
from backend.kiosk.controllers.device import KioskDeviceController
from backend.kiosk.controllers.receipt import ReceiptController
from backend.kiosk.controllers.recovery import RecoveryCodeController

__all__ = [
    "AdminKioskController",
    "AssistedSessionController",
    "KioskConsentController",
    "KioskDeviceController",
    "ReceiptController",
    "RecoveryCodeController",
    "StaffAlertController",
]
