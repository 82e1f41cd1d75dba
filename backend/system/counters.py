"""Monotonic change numbers (see system.tables.ChangeCounter for why a locked row)."""

from __future__ import annotations

from piccolo.querystring import QueryString

from backend.lib.db import current_engine

__all__ = ["CHANGES", "next_value"]

CHANGES = "applications"
"""The one counter of changes, for the agency feed (`Application.change_seq`) and the cache
feed (`cache_event.seq`) alike: a status change takes one number for both, instead of locking
two hot rows until commit (its name is the agency feed's, which it was first)."""

_NEXT = """
INSERT INTO change_counter (name, value) VALUES ({}, 1)
ON CONFLICT (name) DO UPDATE SET value = change_counter.value + 1
RETURNING value
"""


async def next_value(name: str) -> int:
    """The next number of counter `name`. Call it last in a write transaction: the counter's
    row stays locked until commit, which serialises writers of that counter."""
    rows = await current_engine().run_querystring(QueryString(_NEXT, name))
    return int(rows[0]["value"])
