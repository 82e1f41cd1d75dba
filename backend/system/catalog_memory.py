"""What each app process remembers of the catalog (services' forms and fees, agencies'
switches, the names dashboards show), kept true by the change feed (system.hotcache): every
write to the catalog announces `EVERYONE`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from backend.lib.db import current_engine
from backend.system import hotcache

__all__ = ["catalog_as_of", "catalog_held", "catalog_memo"]

T = TypeVar("T")


async def catalog_memo(key: Hashable, read: Callable[[], Awaitable[T | None]]) -> T | None:
    """`read()` (what the catalog says: a service's form and fee, an agency's webhook switch),
    remembered by this process under `key` until the catalog changes: every write to it
    announces `EVERYONE` in its transaction, which each process's feed poll sees within
    `POLL_S` of the commit, as a concurrent request would have read the old row anyway (the
    writing process forgets after its commit: `forget_here(EVERYONE)`); and for at most
    `CATALOG_MAX_AGE_S`. While the feed is not live, read every time. Nothing is remembered
    of a `None`."""
    cache = hotcache.cache_of(current_engine())
    if not cache.live:
        return await read()
    held = cache._catalog.get(key)
    if held is not None and time.monotonic() - held[0] <= hotcache.CATALOG_MAX_AGE_S:
        value: T = held[1]
        return value
    generation = cache.catalog_generation
    read_at = time.monotonic()
    fresh = await read()
    # Not if the catalog changed while it was read: the row may be the old one.
    if fresh is not None and cache.catalog_generation == generation and cache.live:
        cache._catalog[key] = (read_at, fresh)
    return fresh


async def catalog_as_of(
    version: int | None, key: Hashable, read: Callable[[], Awaitable[T]], *, again: bool = False
) -> T:
    """`read()` (names from the catalog), remembered by this process while the catalog's
    version is `version`, which the caller read in its own statement (`CATALOG_VERSION`),
    and for at most `CATALOG_MAX_AGE_S` (a change by hand in SQL moves no version). Unlike
    `catalog_memo` it needs no live feed: the version comes with the caller's rows, so what
    it names is as of them, on every process, with HOT_CACHE on or off. `again`: read anew
    (what was remembered lacks something the rows name: a service added since)."""
    cache = hotcache.cache_of(current_engine())
    held = cache._as_of.get(key)
    now = time.monotonic()
    if not again and held and held[1] == version and now - held[0] <= hotcache.CATALOG_MAX_AGE_S:
        value: T = held[2]
        return value
    generation = cache.catalog_generation
    fresh = await read()
    if cache.catalog_generation == generation:
        cache._as_of[key] = (now, version, fresh)
    return fresh


def catalog_held(key: Hashable) -> Any:
    """What `catalog_as_of` last read under `key`, at whichever catalog version (None: nothing
    yet): for a caller that must name something of the catalog before its own statement reads
    the version, and checks it against what that statement then says."""
    held = hotcache.cache_of(current_engine())._as_of.get(key)
    return None if held is None else held[2]
