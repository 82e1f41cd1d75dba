"""Privacy's parts: the citizen's activity log, data export and erasure routes. It owns no
data of its own: each domain registers its part of a citizen's personal data."""

from __future__ import annotations

from backend.privacy.controllers import ActivityController, MyDataController
from backend.privacy.notice import PrivacyNoticeController
from backend.system.registry import Registry

__all__ = ["register"]


def register(registry: Registry) -> None:
    registry.routes += [ActivityController, MyDataController, PrivacyNoticeController]
