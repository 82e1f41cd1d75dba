"""The agency API's parts: routes (signed API, administration, officer console), webhooks
for status changes and answers, their outbox handler, the replay guard's retention, and the
`portal agency-credential` and `agency-key` commands."""

from __future__ import annotations

import datetime as dt

from backend.agency_api.cli import agency_credential, agency_key
from backend.agency_api.controllers import (
    AgencyAdminController,
    AgencyApplicationsController,
    AgencyDocumentsController,
    AgencyFeesController,
    AgencyServicesController,
    OfficerController,
)
from backend.agency_api.signing import MAX_SKEW_S
from backend.agency_api.webhooks import (
    WEBHOOK_KIND,
    WebhookHandler,
    on_needs_info_answered,
    on_status_changed,
)
from backend.applications.events import NeedsInfoAnswered, StatusChanged
from backend.system.registry import OutboxKind, Registry, RetentionRule

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [
        AgencyServicesController,
        AgencyApplicationsController,
        AgencyDocumentsController,
        AgencyFeesController,
        AgencyAdminController,
        OfficerController,
    ]
    registry.listen(StatusChanged, on_status_changed)
    registry.listen(NeedsInfoAnswered, on_needs_info_answered)
    registry.outbox_kind(OutboxKind(WEBHOOK_KIND, WebhookHandler))
    # Replays are refused by timestamp past the window; the signatures guard within it.
    registry.retention.append(
        RetentionRule("agency_seen_signature", "seen_at < {}", dt.timedelta(seconds=4 * MAX_SKEW_S))
    )
    registry.commands += [agency_credential, agency_key]
