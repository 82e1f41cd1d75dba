"""Housekeeping: delete the rows that only mattered for a while, so tables that grow with
every request (sessions, challenges, rate-limit windows, idempotency records, replay-guard
signatures, delivered outbox messages) stay the size of what is live.

Run by every `portal worker` once an hour (several workers running it at once only repeat
each other's deletes) and on demand by `portal housekeep`. Each rule deletes in batches of
`BATCH` rows, one short statement at a time, so a large backlog never holds long locks.
What is kept and for how long is in README ("Housekeeping"); the audit log, applications,
their history, documents and notifications are never touched here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from piccolo.querystring import QueryString

from backend.accounts.sessions import TIMEOUTS
from backend.agency_api.signing import MAX_SKEW_S
from backend.lib.db import current_engine
from backend.lib.idempotency import KEEP_FOR
from backend.settings import Settings

__all__ = ["BATCH", "RULES", "Rule", "housekeep", "housekeep_all"]

log = logging.getLogger("portal.housekeeping")

BATCH = 5000

DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Rule:
    """Rows of `table` matching `where` (its one `{}` bound to the cutoff) are deleted."""

    table: str
    where: str
    keep: dt.timedelta
    unix_cutoff: bool = False
    """The cutoff as Unix seconds (a BigInt column) rather than a timestamp."""


# A session a day past its absolute end (at most a day after sign-in, TIMEOUTS) can never be
# used again; one revoked or idle earlier is refused at once and goes with the same rule (read
# through the index session_expires; `last_seen_at` is not indexed, as it changes every
# minute). One an operator served citizens from stays: its assisted sessions hold the
# citizens' consent records.
assert max(absolute for _, absolute in TIMEOUTS.values()) <= DAY.total_seconds()

RULES: tuple[Rule, ...] = (
    Rule(
        "session",
        "expires_at < {} AND NOT EXISTS "
        "(SELECT 1 FROM assisted_session a WHERE a.operator_session = session.id)",
        DAY,
    ),
    # Challenges live 5 minutes; an hour is ample for any ceremony to have ended.
    Rule("webauthn_challenge", "created_at < {}", dt.timedelta(hours=1)),
    # Enrolment and recovery codes live 15 minutes; issuing and using them are audited.
    Rule("one_time_code", "expires_at < {}", 30 * DAY),
    # Replays are refused by timestamp past the window; the signatures guard within it.
    Rule("agency_seen_signature", "seen_at < {}", dt.timedelta(seconds=4 * MAX_SKEW_S)),
    # The longest rate-limit window is an hour.
    Rule("rate_limit", "window_start < {}", DAY, unix_cutoff=True),
    Rule("idempotency_record", "created_at < {}", KEEP_FOR),
    # Processes read the cache feed every 0.1 s; one that fell behind starts over anyway.
    Rule("cache_event", "at < {}", dt.timedelta(hours=1)),
    # Delivered or dropped: a week for support questions. Dead letters wait for an
    # administrator's replay for 30 days.
    Rule("outbox", "status = 'done' AND finished_at < {}", 7 * DAY),
    Rule("outbox", "status = 'dead' AND finished_at < {}", 30 * DAY),
)


async def housekeep(now: dt.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Apply every rule; returns the rows deleted per table."""
    now = now or dt.datetime.now(dt.UTC)
    deleted: dict[str, int] = {}
    for rule in RULES:
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


async def housekeep_all(settings: Settings) -> dict[str, int]:
    """All of housekeeping: the rules above, then the sweep of expired resumable uploads and
    orphan temporary files (their bytes live in storage). One failing does not stop the
    other; the first failure is raised once both have run."""
    from backend.documents.resumable import sweep_uploads

    async def uploads() -> dict[str, int]:
        swept = await sweep_uploads(settings)
        return {"document_upload": swept.uploads, "temporary files": swept.files}

    done: dict[str, int] = {}
    failure: Exception | None = None
    for part in (housekeep, uploads):
        try:
            done |= await part()
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return done
