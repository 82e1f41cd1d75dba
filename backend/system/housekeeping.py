"""Housekeeping: delete the rows that only mattered for a while, so tables that grow with
every request (sessions, challenges, rate-limit windows, idempotency records, replay-guard
signatures, delivered outbox messages) stay the size of what is live.

Each domain registers its own retention rules and sweeps (`registry.retention`, `.sweeps`);
this module only runs what it is given. Run by every `portal worker` once an hour (several
workers running it at once only repeat each other's deletes) and on demand by `portal
housekeep`. Each rule deletes in batches of `BATCH` rows, one short statement at a time, so a
large backlog never holds long locks. What is kept and for how long is in README
("Housekeeping"); the audit log, applications, their history, documents and notifications are
never touched here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.metrics import metrics
from backend.system.registry import Housekeeping, Registry, RetentionRule

if TYPE_CHECKING:
    from backend.settings import Settings

__all__ = ["BATCH", "housekeep", "housekeep_all"]

log = logging.getLogger("portal.housekeeping")

BATCH = 5000


async def housekeep(
    rules: Sequence[RetentionRule], now: dt.datetime | None = None, batch: int = BATCH
) -> dict[str, int]:
    """Apply every rule; returns the rows deleted per table."""
    now = now or dt.datetime.now(dt.UTC)
    deleted: dict[str, int] = {}
    for rule in rules:
        cutoff_at = now - rule.keep
        cutoff: object = int(cutoff_at.timestamp()) if rule.unix_cutoff else cutoff_at
        statement = (
            f"DELETE FROM {rule.table} WHERE id IN "  # noqa: S608 (rules are constants)
            f"(SELECT id FROM {rule.table} WHERE {rule.where} LIMIT {{}}) RETURNING id"
        )
        total = 0
        while True:
            rows = await current_engine().run_querystring(QueryString(statement, cutoff, batch))
            total += len(rows)
            if len(rows) < batch:
                break
        deleted[rule.table] = deleted.get(rule.table, 0) + total
    if any(deleted.values()):
        log.info("housekeeping", extra={"deleted": deleted})
    return deleted


async def housekeep_all(
    settings: Settings, registry: Registry, now: dt.datetime | None = None, batch: int = BATCH
) -> dict[str, int]:
    """All of housekeeping: the registered rules, then each registered sweep (e.g. expired
    resumable uploads and their bytes). One failing does not stop the others; the first
    failure is raised once all have run."""
    run = Housekeeping(settings=settings, now=now or dt.datetime.now(dt.UTC), batch=batch)
    parts: list[Callable[[], Awaitable[dict[str, int]]]] = [
        partial(housekeep, registry.retention, run.now, batch)
    ]
    parts += [partial(sweep.run, run) for sweep in registry.sweeps]
    done: dict[str, int] = {}
    failure: Exception | None = None
    for part in parts:
        try:
            for table, count in (await part()).items():
                done[table] = done.get(table, 0) + count
                if count:
                    metrics().housekeeping_deleted.labels(table).inc(count)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return done
