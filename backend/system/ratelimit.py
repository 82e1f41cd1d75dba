"""Rate limits kept in the database, so two app processes share one count.

Fixed windows from each subject's first hit: cheap (one upsert per hit) and good enough to stop
guessing and floods; a Redis-backed store can replace `hit` on large deployments.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.errors import RateLimitedError

__all__ = ["HIT", "Limit", "check", "hit", "hit_args", "judge"]


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` hits per `window_s` seconds for one key."""

    name: str
    count: int
    window_s: int


HIT = """
INSERT INTO rate_limit (key, window_start, hits) VALUES ({}, {}, 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit.window_start > excluded.window_start - {}
                THEN rate_limit.hits + 1 ELSE 1 END,
    window_start = CASE WHEN rate_limit.window_start > excluded.window_start - {}
                        THEN rate_limit.window_start ELSE excluded.window_start END
RETURNING hits, window_start
"""
"""The upsert counting one hit (its row: `hits`, `window_start`), with `{}` for `hit_args`:
for a caller that runs it within a statement of its own; `judge` the row."""


def hit_args(limit: Limit, subject: str, moment: int) -> tuple[str, int, int, int]:
    return f"{limit.name}:{subject}"[:200], moment, limit.window_s, limit.window_s


def judge(limit: Limit, row: Any, moment: int) -> None:
    """Raise `RateLimitedError` if the hit counted in `row` passed the limit."""
    if row["hits"] > limit.count:
        raise RateLimitedError(
            retry_after=int(row["window_start"]) + limit.window_s - moment,
            limit=limit.name,
            first_refusal=row["hits"] == limit.count + 1,
        )


async def hit(limit: Limit, subject: str, *, now: float | None = None) -> None:
    """Count one attempt by `subject` (an IP, an ID number …); raise `RateLimitedError`
    with the seconds until its window ends once the limit is passed. A window starts at the
    subject's first hit (not at a clock boundary, which would allow twice the limit in a
    burst straddling it)."""
    moment = int(time.time() if now is None else now)
    rows = await current_engine().run_querystring(
        QueryString(HIT, *hit_args(limit, subject, moment))
    )
    if rows:
        judge(limit, rows[0], moment)


async def check(limits: list[tuple[Limit, str]], *, now: float | None = None) -> None:
    """Hit several limits (e.g. per IP and per account); the first one passed raises."""
    for limit, subject in limits:
        await hit(limit, subject, now=now)
