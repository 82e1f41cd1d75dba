"""The cache of computed figures: what `/performance` and its API read on every visit."""

from __future__ import annotations

from piccolo.columns import Serial, Text, Timestamptz
from piccolo.table import Table

__all__ = ["PerformanceSnapshot"]


class PerformanceSnapshot(Table, tablename="performance_snapshot"):
    """The figures of every agency and service at one moment, computed by the worker
    (`performance.services.refresh`); the newest row is the one shown, older ones are deleted
    by the refresh that replaces them. Holds no personal data: counts, shares and durations
    only, each from at least `figures.MIN_APPLICATIONS` applications."""

    id = Serial(primary_key=True)
    computed_at = Timestamptz(help_text="When the figures were computed.")
    body = Text(help_text="JSON of performance.schemas.Snapshot.")
