"""The platform's own parts: health routes, its tables' retention, and its commands."""

from __future__ import annotations

import datetime as dt

from backend.system.cli import housekeep, national_id_key, worker
from backend.system.controllers import SystemController
from backend.system.idempotency import KEEP_FOR, RESPONSE
from backend.system.metrics_endpoint import MetricsController
from backend.system.registry import Registry, RetentionRule, SealedColumn

__all__ = ["register"]

DAY = dt.timedelta(days=1)


def register(registry: Registry) -> None:
    registry.routes += [SystemController, MetricsController]
    registry.commands += [worker, housekeep, national_id_key]
    registry.retention += [
        # The longest rate-limit window is an hour.
        RetentionRule("rate_limit", "window_start < {}", DAY, unix_cutoff=True),
        RetentionRule("idempotency_record", "created_at < {}", KEEP_FOR),
        # Processes read the cache feed every 0.1 s; one that fell behind starts over anyway.
        RetentionRule("cache_event", "at < {}", dt.timedelta(hours=1)),
        # Delivered or dropped: a week for support questions. Dead letters wait for an
        # administrator's replay for 30 days.
        RetentionRule("outbox", "status = 'done' AND finished_at < {}", 7 * DAY),
        RetentionRule("outbox", "status = 'dead' AND finished_at < {}", 30 * DAY),
    ]
    registry.sealed.append(SealedColumn("idempotency_record", "response", RESPONSE))
