"""Piccolo's configuration: the engine and the registry of apps (one per domain).

It lives inside the package (PICCOLO_CONF=backend.piccolo_conf, set by the `portal` command)
so it is found whatever the working directory is.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from backend.lib.db import make_engine
from backend.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.catalog.piccolo_app",
        "backend.system.piccolo_app",
        "backend.privacy.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.documents.piccolo_app",
        "backend.kiosk.piccolo_app",
        "backend.applications.piccolo_app",
        "backend.fees.piccolo_app",
        "backend.notifications.piccolo_app",
        "backend.agency_api.piccolo_app",
        "backend.delegation.piccolo_app",
        "backend.appointments.piccolo_app",
        "backend.performance.piccolo_app",
    ]
)
