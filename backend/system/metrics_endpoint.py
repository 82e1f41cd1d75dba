"""`GET /metrics`: the Prometheus exposition, for the people who run the portal only (a
bearer token, METRICS_TOKEN; without one set the endpoint does not exist). The outbox's depth
and the age of its oldest waiting message per kind are read from the database at scrape time
(one grouped query over the partial index of due rows)."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from backend.lib.db import current_engine
from backend.lib.errors import NotAuthenticatedError, NotFoundError
from backend.lib.metrics import render
from backend.settings import Settings

__all__ = ["MetricsController"]

CONTENT_TYPE = "text/plain; version=0.0.4"
"""Litestar adds `; charset=utf-8` to a text type itself (twice would break a scraper)."""
_WAITING = (
    "SELECT kind, COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox "
    "WHERE status IN ('pending', 'in_flight') GROUP BY kind"
)
_DEAD = "SELECT kind, COUNT(*) AS dead FROM outbox WHERE status = 'dead' GROUP BY kind"


async def _outbox_registry() -> Any:
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    engine = current_engine()
    try:
        waiting = await engine.run_ddl(_WAITING)
        dead = await engine.run_ddl(_DEAD)
    except Exception:  # the database is down: the process's own numbers matter most now
        return registry
    depth = Gauge(
        "portal_outbox_depth",
        "Messages waiting (pending or in flight).",
        ["kind"],
        registry=registry,
    )
    age = Gauge(
        "portal_outbox_oldest_age_seconds",
        "Age of the oldest waiting message.",
        ["kind"],
        registry=registry,
    )
    dead_letters = Gauge(
        "portal_outbox_dead", "Dead letters waiting for an admin.", ["kind"], registry=registry
    )
    now = dt.datetime.now(dt.UTC)
    for row in waiting:
        oldest = row["oldest"]
        if isinstance(oldest, str):  # SQLite hands back text
            oldest = dt.datetime.fromisoformat(oldest)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        depth.labels(row["kind"]).set(row["depth"])
        age.labels(row["kind"]).set(max(0.0, (now - oldest).total_seconds()))
    for row in dead:
        dead_letters.labels(row["kind"]).set(row["dead"])
    return registry


class MetricsController(Controller):
    path = "/metrics"
    tags = ["system"]
    include_in_schema = False

    @get("/", cache_control=None)
    async def scrape(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        if not settings.metrics_token:
            raise NotFoundError()
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {settings.metrics_token}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise NotAuthenticatedError(
                "A bearer token is needed (METRICS_TOKEN).",
                "ต้องใช้โทเคนสำหรับดูตัวชี้วัดระบบ",
                code="metrics_token_required",
            )
        body = render(await _outbox_registry())
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
