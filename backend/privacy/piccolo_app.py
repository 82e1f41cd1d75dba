from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[],  # audit_log moved to the system app (its rows with it)
    migration_dependencies=[],
    commands=[],
)
