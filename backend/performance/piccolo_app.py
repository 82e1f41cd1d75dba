from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.performance.tables import PerformanceSnapshot

APP_CONFIG = AppConfig(
    app_name="performance",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PerformanceSnapshot],
    migration_dependencies=[],
    commands=[],
)
