from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from backend.system.tables import CacheEvent, ChangeCounter, IdempotencyRecord, RateLimitCounter

APP_CONFIG = AppConfig(
    app_name="system",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[RateLimitCounter, IdempotencyRecord, ChangeCounter, CacheEvent],
    migration_dependencies=[],
    commands=[],
)
