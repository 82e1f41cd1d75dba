"""A background loop of the app's lifespan ends when cancelled, whenever the cancel comes.

Seen in `make test` (a server that did not stop in 30 s, its tasks dumped by SIGUSR2): the hot
cache's poller "cancelling" but asleep again. `asyncio.wait_for` in Python 3.11 returns the
result of an inner task that finished in the same turn of the loop as the cancel arrived, and
the cancel is lost; a loop with no other way out then runs forever and the shutdown waits on it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from backend.system import hotcache


async def test_the_hot_cache_poller_stops_when_cancelled_as_a_poll_ends(
    monkeypatch: Any,
) -> None:
    cache = hotcache.HotCache()
    polled = asyncio.Event()
    release = asyncio.Event()

    async def poll(engine: object) -> None:
        polled.set()
        await release.wait()

    monkeypatch.setattr(cache, "poll", poll)
    monkeypatch.setattr(hotcache, "POLL_S", 0.01)
    task = asyncio.create_task(cache.run(engine=None))  # type: ignore[arg-type]
    await polled.wait()
    release.set()  # the poll finishes in the loop's next turn…
    task.cancel()  # …the very turn in which the poller hears it is cancelled
    done, _ = await asyncio.wait({task}, timeout=2)
    if task not in done:  # the cancel was lost: cancel its sleep, so the test ends and fails
        task.cancel()
        await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
