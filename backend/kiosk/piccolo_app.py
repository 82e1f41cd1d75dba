from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.kiosk.tables import AssistedSession, Kiosk, StaffAlert, StaffApproval

APP_CONFIG = AppConfig(
    app_name="kiosk",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Kiosk, AssistedSession, StaffApproval, StaffAlert],
    migration_dependencies=["backend.accounts.piccolo_app"],
    commands=[],
)
