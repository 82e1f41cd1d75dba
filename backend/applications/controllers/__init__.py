"""The applications domain's routes: the citizen's applications, the dashboard, and public
tracking by code."""

from __future__ import annotations

from backend.applications.controllers.citizen import ApplicationController
from backend.applications.controllers.dashboard import DashboardController
from backend.applications.controllers.tracking import TrackController

__all__ = ["ApplicationController", "DashboardController", "TrackController"]
