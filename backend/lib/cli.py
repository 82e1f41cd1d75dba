"""What every `portal` command shares: settings or a clear error, and running one async job
with the configured database bound and a small pool open."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from backend.settings import Settings, SettingsError, get_settings

__all__ = ["run_job", "settings_or_exit"]

T = TypeVar("T")

DB_POOL_MAX = 4
"""A command runs one statement at a time, a worker one claim or result write at a time; the
rest is for its handlers."""


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def run_job(
    make: Callable[[], Awaitable[T]],
    settings: Settings | None = None,
    *,
    flushed_commits: bool = True,
) -> T:
    """Run `make()` on uvloop with the configured engine bound and its pool open
    (`flushed_commits`: `lib.db.make_engine`'s)."""
    import uvloop

    from backend.lib.db import bind_engine, close_pool, make_engine, open_pool
    from backend.lib.idcrypt import bind_keys

    async def job() -> T:
        engine = make_engine(settings or get_settings(), flushed_commits=flushed_commits)
        bind_engine(engine)
        bind_keys(settings or get_settings())
        await open_pool(engine, 1, DB_POOL_MAX)
        try:
            return await make()
        finally:
            await close_pool(engine)

    return uvloop.run(job())
