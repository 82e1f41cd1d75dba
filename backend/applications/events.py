"""What the applications domain announces, for other domains to listen to (through their
plug-in modules; see system.registry). Listeners run inside the change's transaction: the
status change, its history row and everything a listener queues commit together, so a push
or a webhook is never sent for a change that rolled back, and never lost for one that
committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.applications.status import Status
from backend.system.audit import Actor

__all__ = ["ApplicationEvent", "NeedsInfoAnswered", "StatusChanged"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationEvent:
    """Which application, whose, at which agency, for which service."""

    application_id: int
    account_id: int
    agency_id: int
    service_id: int
    tracking_code: str
    by: Actor | None = None
    """Who made the change (an agency, the citizen, an operator or a delegate for them)."""

    @classmethod
    def fields_of(cls, row: dict[str, Any]) -> dict[str, Any]:
        """The event's fields from an application row."""
        return {
            "application_id": row["id"],
            "account_id": row["account"],
            "agency_id": row["agency"],
            "service_id": row["service"],
            "tracking_code": row["tracking_code"],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(ApplicationEvent):
    """Every status change, the citizen's submission and withdrawal included."""

    old_status: Status
    new_status: Status


@dataclass(frozen=True, slots=True, kw_only=True)
class NeedsInfoAnswered(ApplicationEvent):
    """The citizen answered what the agency asked for (after its StatusChanged to
    in_review)."""
