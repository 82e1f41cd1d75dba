"""Prometheus metrics for the people who run the portal (prometheus-client).

Every process counts into `metrics()`; `portal serve` and `portal worker` set
PROMETHEUS_MULTIPROC_DIR (VAR_DIR/prometheus) first, so that with `--workers N` and separate
workers a scrape adds up every process (prometheus-client's multiprocess mode). The library
chooses that mode when it is first imported, so it is imported here only when the first
metric is made, never at import time. Labels are bounded: route templates (never a raw path,
which could hold an ID), outcome buckets, push-service hosts and agency codes.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "MULTIPROC_ENV",
    "Metrics",
    "count_request",
    "http_outcome",
    "metrics",
    "prepare_multiprocess",
    "render",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True, slots=True)
class Metrics:
    requests: Counter
    request_seconds: Histogram
    db_pool_in_use: Gauge
    db_pool_wait: Histogram
    hot_cache: Counter
    deliveries: Counter
    webhooks: Counter
    lease_expiries: Counter
    claimed: Counter
    housekeeping_deleted: Counter
    auth_events: Counter


@functools.cache
def metrics() -> Metrics:
    """The process's metrics, made on first use (after the CLI chose the mode)."""
    from prometheus_client import Counter, Gauge, Histogram

    return Metrics(
        requests=Counter(
            "portal_http_requests_total",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
        ),
        request_seconds=Histogram(
            "portal_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
        ),
        db_pool_in_use=Gauge(
            "portal_db_pool_connections_in_use",
            "PostgreSQL pool connections held now (all processes).",
            multiprocess_mode="livesum",
        ),
        db_pool_wait=Histogram(
            "portal_db_pool_wait_seconds",
            "Time waited for a pooled PostgreSQL connection.",
            buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0),
        ),
        hot_cache=Counter(
            "portal_hot_cache_total",
            "Dashboard answers from a process's memory (hit) or the database (miss).",
            ["result"],
        ),
        deliveries=Counter(
            "portal_outbox_deliveries_total",
            "Delivery attempts by kind, destination host and outcome "
            "(201, 2xx, 404_410, 403, 429, 5xx, 4xx, timeout, error).",
            ["kind", "host", "outcome"],
        ),
        webhooks=Counter(
            "portal_webhook_deliveries_total",
            "Agency webhook attempts by agency and outcome.",
            ["agency", "outcome"],
        ),
        lease_expiries=Counter(
            "portal_outbox_lease_expiries_total",
            "Messages claimed again after an earlier claim's lease ran out (a worker died or "
            "hung mid-delivery).",
            ["kind"],
        ),
        claimed=Counter(
            "portal_outbox_claimed_total",
            "Messages claimed by workers: stops rising when no worker claims.",
            ["kind"],
        ),
        housekeeping_deleted=Counter(
            "portal_housekeeping_deleted_rows_total",
            "Rows removed by housekeeping, by rule.",
            ["rule"],
        ),
        auth_events=Counter(
            "portal_auth_events_total",
            "Sign-ins, enrolments and digital-ID checks by outcome.",
            ["event", "outcome"],
        ),
    )


def http_outcome(status: int | None, *, timed_out: bool = False) -> str:
    """The bucket of an HTTP delivery's answer (None: no answer at all)."""
    if timed_out:
        return "timeout"
    if status is None:
        return "error"
    if status == 201:
        return "201"
    if 200 <= status < 300:
        return "2xx"
    if status in (404, 410):
        return "404_410"
    if status in (403, 429):
        return str(status)
    if status >= 500:
        return "5xx"
    return "4xx"


def prepare_multiprocess(var_dir: str) -> None:
    """Count in VAR_DIR/prometheus, shared by every process of this installation. Files of
    processes no longer running are removed first (a live gauge would keep their last
    value); a running worker's or server's are kept, so a restart loses nothing of theirs."""
    directory = Path(var_dir).resolve() / "prometheus"
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        pid = stale.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def render(extra: Any = None) -> bytes:
    """The exposition text: every process's counters (multiprocess mode) or this one's;
    `extra`, a registry of values read at scrape time, appended."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    metrics()  # every metric exists, even before its first count
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if extra is not None:
        text += generate_latest(extra)
    return text


def count_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its time (every request does: the labelled children are
    looked up once per route, method and status, not built again each time)."""
    counted, timed = _request_children(route, method, status)
    counted.inc()
    timed.observe(seconds)


@functools.lru_cache(maxsize=4096)  # bounded anyway: route templates x methods x statuses
def _request_children(route: str, method: str, status: int) -> tuple[Any, Any]:
    counted = metrics()
    return (
        counted.requests.labels(route, method, str(status)),
        counted.request_seconds.labels(route, method),
    )
