"""The agency API, `/agency-api/v1`: every request signed (guard.py), every answer scoped to
the calling agency."""

from __future__ import annotations

from backend.agency_api.controllers.admin import AgencyAdminController
from backend.agency_api.controllers.applications import (
    AgencyApplicationsController,
    AgencyDocumentsController,
)
from backend.agency_api.controllers.fees import AgencyFeesController
from backend.agency_api.controllers.officer import OfficerController
from backend.agency_api.controllers.services import AgencyServicesController

__all__ = [
    "AgencyAdminController",
    "AgencyApplicationsController",
    "AgencyDocumentsController",
    "AgencyFeesController",
    "AgencyServicesController",
    "OfficerController",
]
