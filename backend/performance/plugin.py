"""The performance domain's parts: the public page and API, the officer console's view, the
hourly refresh (a housekeeping sweep, so every `portal worker` runs it) and `portal
performance`. It reads the domains below it and announces nothing."""

from __future__ import annotations

from backend.performance.cli import performance
from backend.performance.controllers import (
    OfficerPerformanceController,
    PerformanceController,
    PerformancePageController,
)
from backend.performance.services import refresh
from backend.system.registry import Housekeeping, Registry, Sweep

__all__ = ["register"]


async def _refresh(run: Housekeeping) -> dict[str, int]:
    await refresh(run.now)
    return {}  # nothing removed: the sweep only replaces the cached figures


def register(registry: Registry) -> None:
    registry.routes += [
        PerformancePageController,
        PerformanceController,
        OfficerPerformanceController,
    ]
    registry.sweeps.append(Sweep("performance", _refresh))
    registry.commands.append(performance)
