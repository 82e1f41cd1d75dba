"""What the agency API and the officer console do, for one agency at a time.

Every function takes the agency's id and only ever sees that agency's rows: another agency's
application, service or document is simply not found (404), never forbidden (which would say
that it exists).
"""

from __future__ import annotations

from backend.agency_api.services.applications import (
    MAX_FEED_PAGE,
    REASON_NEEDED,
    application_view,
    change_status,
    changed_after,
    download_document,
    feed,
)
from backend.agency_api.services.catalog import (
    create_service,
    form_refused,
    get_service,
    list_services,
    set_published,
    update_service,
)
from backend.agency_api.services.queue import officer_queue

__all__ = [
    "MAX_FEED_PAGE",
    "REASON_NEEDED",
    "application_view",
    "change_status",
    "changed_after",
    "create_service",
    "download_document",
    "feed",
    "form_refused",
    "get_service",
    "list_services",
    "officer_queue",
    "set_published",
    "update_service",
]
