"""Delegation's parts: a citizen acting for another who authorised them. Its routes, the
context of a delegate's requests (for accounts' allow-list, the same an operator's consent
goes through), what it hears from applications and accounts, and its part of a citizen's
personal data."""

from __future__ import annotations

from backend.accounts.auth import REQUEST_CONTEXTS
from backend.accounts.events import IdentityDisputed
from backend.applications.events import NeedsInfoAnswered, StatusChanged
from backend.delegation import listeners, personal_data
from backend.delegation.context import DelegateRequests
from backend.delegation.controllers import (
    ActingController,
    DelegationController,
    KioskDelegationController,
)
from backend.system.registry import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [DelegationController, ActingController, KioskDelegationController]
    registry.extend(REQUEST_CONTEXTS, DelegateRequests())
    registry.listen(StatusChanged, listeners.on_status_changed)
    registry.listen(NeedsInfoAnswered, listeners.on_needs_info_answered)
    registry.listen(IdentityDisputed, listeners.on_identity_disputed)
    registry.personal_data.append(personal_data.PART)
