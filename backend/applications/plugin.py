"""The applications domain's parts: routes, the dashboard answered from memory (before
routing), its part of a citizen's personal data, and where answers hold sealed ID numbers.
It announces StatusChanged and NeedsInfoAnswered (applications.events) to whoever listens."""

from __future__ import annotations

from backend.accounts.events import IdentityDisputed
from backend.applications import answers, personal_data, wallet
from backend.applications.controllers import (
    ApplicationController,
    DashboardController,
    TrackController,
)
from backend.applications.disputes import on_identity_disputed
from backend.applications.fastpath import dashboard_from_memory
from backend.documents.uses import DOCUMENT_USES
from backend.system.registry import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [ApplicationController, DashboardController, TrackController]
    registry.before_routing.append(dashboard_from_memory)
    registry.personal_data.append(personal_data.PART)
    registry.listen(IdentityDisputed, on_identity_disputed)
    registry.sealed.append(answers.SEALED_COLUMN)
    registry.extend(DOCUMENT_USES, wallet.document_uses)
