from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import Account, Challenge, OneTimeCode, Passkey, Session

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Account, Passkey, Session, Challenge, OneTimeCode],
    migration_dependencies=["backend.catalog.piccolo_app"],
    commands=[],
)
