"""The handlers a worker runs: every registered outbox kind's, open while it runs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from backend.system import registry
from backend.system.outbox.outcomes import Handler

if TYPE_CHECKING:
    from backend.settings import Settings
    from backend.system.registry import OutboxKind

__all__ = ["open_handlers"]


@contextlib.asynccontextmanager
async def open_handlers(
    settings: Settings, kinds: Iterable[OutboxKind] | None = None
) -> AsyncIterator[dict[str, Handler]]:
    """The handler of every registered kind (or of `kinds`), open for as long as the worker
    runs; a handler holding resources (sessions, pools) is closed at the end."""
    chosen = registry.current().outbox_kinds.values() if kinds is None else kinds
    async with contextlib.AsyncExitStack() as stack:
        yield {kind.name: await stack.enter_async_context(kind.open(settings)) for kind in chosen}
