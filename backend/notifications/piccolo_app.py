from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.notifications.tables import (
    Notification,
    NotificationPreference,
    PushSubscription,
)

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PushSubscription, Notification, NotificationPreference],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.applications.piccolo_app"],
    commands=[],
)
