"""Applying, drafts, withdrawing, answering, status changes, the dashboard and tracking.

Every status change goes through `record_change`: one transaction appends the history row,
updates the application with the next change number, writes the audit entry and (through
`backend.applications.events`) queues notifications — all or nothing.
"""

from __future__ import annotations

from backend.applications.services.applying import (
    answer_needs_info,
    create_application,
    discard_draft,
    submit_draft,
    update_draft,
    withdraw,
)
from backend.applications.services.changes import COUNTER, change_status, locked_for_agency
from backend.applications.services.dashboards import (
    dashboard,
    dashboard_version,
    signed_in_dashboard,
)
from backend.applications.services.reading import (
    MAX_DASHBOARD_PAGE,
    action_required,
    expected,
    find_for_tracking,
    get_detail,
    histories,
    history,
    service_of,
)

__all__ = [
    "COUNTER",
    "MAX_DASHBOARD_PAGE",
    "action_required",
    "answer_needs_info",
    "change_status",
    "create_application",
    "dashboard",
    "dashboard_version",
    "discard_draft",
    "expected",
    "find_for_tracking",
    "get_detail",
    "histories",
    "history",
    "locked_for_agency",
    "service_of",
    "signed_in_dashboard",
    "submit_draft",
    "update_draft",
    "withdraw",
]
