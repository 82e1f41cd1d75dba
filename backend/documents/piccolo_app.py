from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.documents.tables import Document, Upload

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Document, Upload],
    migration_dependencies=["backend.accounts.piccolo_app"],
    commands=[],
)
