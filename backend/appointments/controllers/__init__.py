"""The appointments domain's routes: the citizen's, the agency's (signed API and officer
console) and the kiosk's."""

from __future__ import annotations

from backend.appointments.controllers.agency import (
    AgencyOfficesController,
    OfficerAppointmentsController,
)
from backend.appointments.controllers.citizen import AppointmentController, FreeSlotController
from backend.appointments.controllers.kiosk import KioskCheckInController

__all__ = [
    "AgencyOfficesController",
    "AppointmentController",
    "FreeSlotController",
    "KioskCheckInController",
    "OfficerAppointmentsController",
]
