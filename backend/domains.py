"""The domains of the portal, lowest first: each may import those before it, never those
after (tests/test_layers.py holds the code to it). Each plugs its parts into one registry."""

from __future__ import annotations

from functools import cache
from types import ModuleType

from backend.accounts import plugin as accounts
from backend.agency_api import plugin as agency_api
from backend.applications import plugin as applications
from backend.appointments import plugin as appointments
from backend.catalog import plugin as catalog
from backend.delegation import plugin as delegation
from backend.documents import plugin as documents
from backend.fees import plugin as fees
from backend.kiosk import plugin as kiosk
from backend.notifications import plugin as notifications
from backend.performance import plugin as performance
from backend.privacy import plugin as privacy
from backend.system import plugin as system
from backend.system import registry as platform
from backend.system.registry import Registry

__all__ = ["PLUGINS", "install", "registry"]

PLUGINS: tuple[ModuleType, ...] = (
    system,
    catalog,
    accounts,
    documents,
    applications,
    fees,
    notifications,
    kiosk,
    delegation,
    agency_api,
    appointments,
    privacy,
    performance,
)


@cache
def registry() -> Registry:
    """Every domain's parts, registered in order (listeners run in that order)."""
    built = Registry()
    for plugin in PLUGINS:
        plugin.register(built)
    return built


def install() -> Registry:
    """Build the registry (once per process) and make it the platform's."""
    built = registry()
    platform.use(built)
    return built
