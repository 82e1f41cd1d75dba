from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.fees.tables import Fee

APP_CONFIG = AppConfig(
    app_name="fees",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Fee],
    migration_dependencies=["backend.applications.piccolo_app"],
    commands=[],
)
