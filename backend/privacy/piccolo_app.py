from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.privacy.tables import AuditEntry

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AuditEntry],
    migration_dependencies=[],
    commands=[],
)
