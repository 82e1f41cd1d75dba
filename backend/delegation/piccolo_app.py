from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.delegation.tables import Delegation

APP_CONFIG = AppConfig(
    app_name="delegation",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Delegation],
    migration_dependencies=["backend.accounts.piccolo_app"],
    commands=[],
)
