"""The contract between the worker and a handler: the message a handler receives and the
outcome it answers with. A domain registers a handler per message `kind`
(`registry.OutboxKind`); the worker opens them all (`worker.open_handlers`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "BatchResult",
    "Dead",
    "Delivered",
    "Drop",
    "Handler",
    "Message",
    "Outcome",
    "Retry",
    "log_attempt",
]

from backend.lib.metrics import metrics

log = logging.getLogger("portal.worker")


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


def log_attempt(
    worker_id: str,
    message: tuple[int, str, int],
    outcome: Outcome,
    retry_at: dt.datetime | None,
    duration_s: float,
) -> None:
    """One line per attempt (`message` is id, kind, attempt): info when done, a warning for
    a retry, an error for a dead letter."""
    level = {Retry: logging.WARNING, Dead: logging.ERROR}.get(type(outcome), logging.INFO)
    if not log.isEnabledFor(level):
        return
    message_id, kind, attempt = message
    extra: dict[str, Any] = {
        "worker_id": worker_id,
        "message_id": message_id,
        "kind": kind,
        "attempt": attempt,
        "outcome": type(outcome).__name__.lower(),
        "duration_ms": round(duration_s * 1000, 2),
    }
    match outcome:
        case Retry(error=error) | Dead(error=error):
            extra["error"] = error
        case Drop(reason=reason):
            extra["error"] = reason
    if retry_at is not None:
        extra["retry_at"] = retry_at.isoformat()
    log.log(level, "outbox attempt: %s", extra["outcome"], extra=extra)


LEASE_EXPIRED = "lease expired"
"""The last error of a message claimed while still in flight: its lease ran out."""


def count_claims(rows: list[dict[str, Any]]) -> None:
    """Claimed messages in the metrics; those whose lease had expired counted apart."""
    counted = metrics()
    for row in rows:
        counted.claimed.labels(row["kind"]).inc()
        if row["last_error"] == LEASE_EXPIRED:
            counted.lease_expiries.labels(row["kind"]).inc()
