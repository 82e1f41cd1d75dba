"""Appointments' parts: district-office visits. Its routes (citizen, agency API, officer
console, kiosk check-in), the reminder's outbox handler, the no-show sweep, cancelling the
bookings of an application that ended, the visit on /track and in the citizen's
application detail, and its part of a citizen's personal data."""

from __future__ import annotations

from backend.applications.controllers.tracking import TRACKING_PARTS
from backend.applications.events import StatusChanged
from backend.applications.services.reading import DETAIL_PARTS
from backend.appointments import detail, listeners, personal_data, reminders, services, tracking
from backend.appointments.controllers import (
    AgencyOfficesController,
    AppointmentController,
    FreeSlotController,
    KioskCheckInController,
    OfficerAppointmentsController,
)
from backend.system.registry import OutboxKind, Registry, Sweep

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [
        FreeSlotController,
        AppointmentController,
        AgencyOfficesController,
        OfficerAppointmentsController,
        KioskCheckInController,
    ]
    registry.listen(StatusChanged, listeners.on_status_changed)
    registry.outbox_kind(OutboxKind(reminders.REMINDER_KIND, reminders.open_handler))
    registry.sweeps.append(Sweep("appointment_no_shows", services.sweep_no_shows))
    registry.personal_data.append(personal_data.PART)
    registry.extend(TRACKING_PARTS, tracking.visit_on_tracking_page)
    registry.extend(DETAIL_PARTS, detail.visits_of_application)
