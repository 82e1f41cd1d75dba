from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.catalog.tables import Agency, DocumentType, Service

APP_CONFIG = AppConfig(
    app_name="catalog",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Agency, DocumentType, Service],
    migration_dependencies=[],
    commands=[],
)
