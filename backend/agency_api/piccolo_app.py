from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.agency_api.tables import AgencyCredential, AgencyWebhook, SeenSignature

APP_CONFIG = AppConfig(
    app_name="agency_api",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AgencyCredential, SeenSignature, AgencyWebhook],
    migration_dependencies=["backend.catalog.piccolo_app"],
    commands=[],
)
