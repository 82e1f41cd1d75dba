"""The catalog's parts: its routes."""

from __future__ import annotations

from backend.catalog.controllers import CatalogController
from backend.system.registry import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes.append(CatalogController)
