from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.applications.tables import Application, StatusEvent

APP_CONFIG = AppConfig(
    app_name="applications",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Application, StatusEvent],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.catalog.piccolo_app"],
    commands=[],
)
