"""The contract between the worker and a handler: the message a handler receives and the
outcome it answers with. A domain registers a handler per message `kind`
(`registry.OutboxKind`); the worker opens them all (`worker.open_handlers`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = ["BatchResult", "Dead", "Delivered", "Drop", "Handler", "Message", "Outcome", "Retry"]


@dataclass(frozen=True, slots=True)
class Message:
    """One claimed outbox row."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    """The number of this attempt: 1 the first time."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """Done: the message reached its destination."""


@dataclass(frozen=True, slots=True)
class Retry:
    """A transient failure: try again after `after_s` seconds, or, when None, after an
    exponential backoff with full jitter. Becomes dead after the kind's max attempts."""

    after_s: float | None
    error: str


@dataclass(frozen=True, slots=True)
class Dead:
    """A permanent failure: no retry; the row waits in the dead letters for an admin."""

    error: str


@dataclass(frozen=True, slots=True)
class Drop:
    """Nothing to deliver any more (e.g. the push subscription is gone): done, with the
    reason noted in `last_error`."""

    reason: str


Outcome: TypeAlias = Delivered | Retry | Dead | Drop
Handler: TypeAlias = Callable[[Message], Awaitable[Outcome]]


@dataclass
class BatchResult:
    """What one `run_once` did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    dropped: int = 0
    stale: int = 0
    """Results discarded because the lease had passed to another worker."""

    def add(self, other: BatchResult) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retried += other.retried
        self.dead += other.dead
        self.dropped += other.dropped
        self.stale += other.stale
