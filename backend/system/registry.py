"""How domains plug into the platform, with no switchboard that names them.

Each domain has a `plugin.py` whose `register(registry)` hands the platform its parts: routes,
listeners of events other domains announce, outbox handlers, retention rules, its part of a
citizen's personal data, CLI commands and extension points it offers or fills. The top of the
tree (`backend.domains`) builds one `Registry` from every domain and installs it for the
process; the platform then runs what it was given: the worker the handlers, housekeeping the
rules, `publish` the listeners, privacy each domain's part.

Events are plain frozen dataclasses defined by the domain that announces them (e.g.
`applications.events.StatusChanged`); a listener imports the event type, never the other way
round, so imports only go down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import click
    from litestar.types import ASGIApp, ControllerRouterHandler
    from piccolo.engine.base import Engine

    from backend.settings import Settings
    from backend.system.audit import Actor
    from backend.system.outbox.outcomes import Handler

__all__ = [
    "Companion",
    "Erasure",
    "ExtensionPoint",
    "Housekeeping",
    "Listener",
    "OutboxKind",
    "PersonalData",
    "Registry",
    "RetentionRule",
    "SealedColumn",
    "Sweep",
    "current",
    "publish",
    "use",
]

E = TypeVar("E")
T = TypeVar("T")

Listener = Callable[[Any], Awaitable[None]]

Companion = Callable[["Engine[Any]"], AbstractAsyncContextManager[None]]
"""Work that runs beside a serving process for its life (entered when its pool opens, left
before the pool closes), given the process's engine."""


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """Rows of `table` matching `where` (its one `{}` bound to the cutoff, `now - keep`) are
    deleted by housekeeping, in batches."""

    table: str
    where: str
    keep: dt.timedelta
    unix_cutoff: bool = False
    """The cutoff as Unix seconds (a BigInt column) rather than a timestamp."""


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A column holding national ID numbers sealed with the national-ID keys (lib.idcrypt):
    `portal national-id-key` reseals its rows when the key changes, `portal check` opens each.
    The table has an integer `id`."""

    table: str
    column: str
    place: str
    """The associated data the values were sealed with (e.g. `account.national_id`)."""
    json: bool = False
    """JSON text with `{"$sealed": …}` inside (form answers, ceremony data), rather than a
    sealed value as the whole column."""
    index_column: str = ""
    """A column holding the blind index of the same number: checked to match."""


@dataclass(frozen=True, slots=True)
class Housekeeping:
    """One run of housekeeping, as a sweep sees it."""

    settings: Settings
    now: dt.datetime
    batch: int


@dataclass(frozen=True, slots=True)
class Sweep:
    """Housekeeping that is more than a fixed rule (expired uploads and their bytes; rows
    whose rule other domains extend): returns what it removed, by name."""

    name: str
    run: Callable[[Housekeeping], Awaitable[dict[str, int]]]


@dataclass(frozen=True, slots=True)
class OutboxKind:
    """Messages of kind `name` are delivered by the handler `open(settings)` yields, open for
    as long as a worker runs (it may hold an HTTP session)."""

    name: str
    open: Callable[[Settings], AbstractAsyncContextManager[Handler]]


@dataclass(slots=True)
class Erasure:
    """One account's erasure, shared by every domain's part inside one transaction."""

    actor: Actor
    account_id: int
    confirm: str
    settings: Settings
    counts: dict[str, int] = field(default_factory=dict)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Work outside the database (removing stored bytes) once the rows are gone for good."""


@dataclass(frozen=True, slots=True)
class PersonalData:
    """A domain's part of a citizen's PDPA rights.

    - `export(account_id)`: the keys it adds to the citizen's copy of their data;
    - `check(erasure)`: raise a ClientError if the account cannot be erased now (runs for
      every part before anything is erased);
    - `erase(erasure)`: remove what it keeps for the citizen, add to `erasure.counts`.
    """

    name: str
    export: Callable[[int], Awaitable[dict[str, Any]]] | None = None
    check: Callable[[Erasure], Awaitable[None]] | None = None
    erase: Callable[[Erasure], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class ExtensionPoint(Generic[T]):
    """A typed hook a domain offers to the domains above it (e.g. accounts asks who a request
    acts for; kiosk answers for assisted sessions). Defined by the offering domain."""

    name: str


class Registry:
    """Everything the domains registered. Built once per process by `backend.domains`."""

    def __init__(self) -> None:
        self.routes: list[ControllerRouterHandler] = []
        self.before_routing: list[Callable[[ASGIApp], ASGIApp]] = []
        """Plain ASGI middleware between the envelope (lib.middleware) and the router, in order:
        for answers that must cost no routing (the dashboard from memory). Each sets
        `scope["path_template"]` on what it answers itself, for the metrics."""
        self.companions: list[Companion] = []
        self.commands: list[click.Command] = []
        self.outbox_kinds: dict[str, OutboxKind] = {}
        self.retention: list[RetentionRule] = []
        self.sealed: list[SealedColumn] = []
        self.sweeps: list[Sweep] = []
        self.personal_data: list[PersonalData] = []
        self._listeners: dict[type, list[Listener]] = {}
        self._extensions: dict[str, list[Any]] = {}

    def listen(self, event_type: type[E], listener: Callable[[E], Awaitable[None]]) -> None:
        """Run `listener` for every event of `event_type`, in the announcer's transaction."""
        self._listeners.setdefault(event_type, []).append(listener)

    def listeners(self, event_type: type) -> Sequence[Listener]:
        return self._listeners.get(event_type, ())

    def outbox_kind(self, kind: OutboxKind) -> None:
        if kind.name in self.outbox_kinds:
            raise ValueError(f"outbox kind {kind.name!r} registered twice")
        self.outbox_kinds[kind.name] = kind

    def extend(self, point: ExtensionPoint[T], value: T) -> None:
        self._extensions.setdefault(point.name, []).append(value)

    def extensions(self, point: ExtensionPoint[T]) -> Sequence[T]:
        found: list[T] = self._extensions.get(point.name, [])
        return found


_current: Registry | None = None


def use(registry: Registry) -> None:
    """Install the process's registry (the app factory, the `portal` command, tests)."""
    global _current
    _current = registry


def current() -> Registry:
    if _current is None:
        raise RuntimeError("no registry installed: call backend.domains.install() first")
    return _current


async def publish(event: object) -> None:
    """Announce `event` to its listeners, in order, in the caller's transaction: what they
    write commits or rolls back with the change that announced it."""
    for listener in current().listeners(type(event)):
        await listener(event)
