from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.appointments.tables import Booking, Office, Slot

APP_CONFIG = AppConfig(
    app_name="appointments",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Office, Slot, Booking],
    migration_dependencies=[
        "backend.applications.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.catalog.piccolo_app",
    ],
    commands=[],
)
