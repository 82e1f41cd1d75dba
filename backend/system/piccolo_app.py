from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.system.tables import (
    AuditEntry,
    CacheEvent,
    ChangeCounter,
    IdempotencyRecord,
    OutboxMessage,
    RateLimitCounter,
)

APP_CONFIG = AppConfig(
    app_name="system",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        RateLimitCounter,
        IdempotencyRecord,
        ChangeCounter,
        CacheEvent,
        AuditEntry,
        OutboxMessage,
    ],
    # audit_log and outbox were created by these apps' first migrations and moved here with
    # their rows; the system app's migrations run after them so that they find both tables.
    migration_dependencies=["backend.privacy.piccolo_app", "backend.notifications.piccolo_app"],
    commands=[],
)
