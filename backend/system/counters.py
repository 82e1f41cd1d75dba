"""Monotonic change numbers (see system.tables.ChangeCounter for why a locked row)."""

from __future__ import annotations

from collections.abc import Callable

from piccolo.querystring import QueryString

from backend.lib.db import (
    commits_flushed,
    current_engine,
    is_postgres,
    one_at_a_time,
    take_deferred_writes,
)

__all__ = ["CHANGES", "next_value", "next_value_with"]

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
    row stays locked until commit, which serialises writers of that counter (this process's
    take their turns before it: `one_at_a_time`)."""
    await _taking_a_number(name)
    rows = await current_engine().run_querystring(QueryString(_NEXT, name))
    return int(rows[0]["value"])


async def _taking_a_number(name: str) -> None:
    """This process's turn at the counter (`one_at_a_time`), and a commit that waits for the
    disk: on an engine whose commits do not (the outbox worker's housekeeping), a crash could
    forget a number another reader has already seen, and give it again to another change,
    which a feed's cursor past it would then never show."""
    await one_at_a_time(f"counter:{name}")
    engine = current_engine()
    if not commits_flushed(engine):
        await engine.run_querystring(QueryString("SET LOCAL synchronous_commit = on"))


Numbered = Callable[[int | QueryString], QueryString]
"""A write given the number it is made under (a value, or SQL that reads it)."""


async def next_value_with(name: str, *writes: Numbered) -> int:
    """`next_value` and the writes made under that number (an application's update, its feed
    row), with any others of the transaction that nothing reads before the commit (history,
    audit) and the transaction's deferred writes, in one statement on PostgreSQL, in its own
    snapshot, so none may touch another's rows. The counter's row is locked by the statement
    that writes with its number. Last in the write transaction, as `next_value`."""
    if not is_postgres():
        value = await next_value(name)
        for write in writes:
            await current_engine().run_querystring(write(value))
        return value
    await _taking_a_number(name)
    number = QueryString("(SELECT value FROM n)")
    # The transaction's deferred writes (lib.db.defer_write: outbox rows) ride along too.
    parts = [*(write(number) for write in writes), *take_deferred_writes()]
    names = "".join(f", w{i} AS ({{}})" for i in range(len(parts)))
    rows = await current_engine().run_querystring(
        QueryString(
            f"WITH n AS ({_NEXT}){names} SELECT value FROM n",  # noqa: S608 (placeholders)
            name,
            *parts,
        )
    )
    return int(rows[0]["value"])
