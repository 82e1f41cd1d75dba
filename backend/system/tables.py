"""Platform tables shared by every domain: rate-limit counters (in the database, so every app
process sees the same counts)."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Varchar
from piccolo.table import Table

__all__ = ["RateLimitCounter"]


class RateLimitCounter(Table, tablename="rate_limit"):
    """A fixed-window counter per key (e.g. `signin:ip:203.0.113.9`)."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    window_start = BigInt(help_text="Unix seconds at which the current window began.")
    hits = Integer(default=0)
