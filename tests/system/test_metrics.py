"""`GET /metrics` (issue 15, point 2): only with the bearer token; after real traffic (pages,
sign-ins, a status change pushed to the local push service, housekeeping) the numbers moved;
with `portal serve --workers 2` and a `portal worker` beside, one scrape adds up every
process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from backend.settings import ROOT, Settings
from backend.system.housekeeping import housekeep_all
from backend.system.outbox.worker import Worker, open_handlers
from backend.system.registry import current
from tests.support.authenticator import SoftAuthenticator
from tests.support.database import Database
from tests.support.flows import ORIGIN, enrol_citizen, sign_in
from tests.support.live_server import LiveServer
from tests.support.notifications import agency_moves, submitted_application, subscribe_device
from tests.support.push_service import PushService

pytestmark = pytest.mark.slow

Client = AsyncTestClient[Any]
TOKEN = "scrape-me-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, metrics_token=TOKEN)


def values(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: Client) -> dict[Any, float]:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return values(response.text)


async def test_only_with_the_token(client: Client, settings: Settings, db: Database) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "metrics_token_required"
    from backend.asgi import create_app
    from tests.support.database import engine_for

    off = create_app(
        settings=msgspec.structs.replace(settings, metrics_token=""),
        engine=engine_for(db),
        pool=False,
    )
    async with AsyncTestClient(app=off, base_url=ORIGIN) as other:
        assert (await other.get("/metrics", headers=AUTH)).status_code == 404


async def test_the_numbers_move_with_real_traffic(
    client: Client, make_client: Any, push: PushService, settings: Settings, app: Any
) -> None:
    before = await scrape(client)
    key = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, key)
    subscription = await subscribe_device(client, push)
    application = await submitted_application(client)
    for _ in range(2):
        assert (await client.get("/api/v1/dashboard")).status_code == 200
    assert (await client.get(f"/api/v1/applications/{application['id']}")).status_code == 200
    async with make_client() as stranger:
        assert (await sign_in(stranger, key)).status_code == 200
    await agency_moves(application["id"], "in_review")
    waiting = await scrape(client)
    assert value(waiting, "portal_outbox_depth", kind="webpush") >= 1
    assert value(waiting, "portal_outbox_oldest_age_seconds", kind="webpush") >= 0

    async with open_handlers(settings) as handlers:
        await Worker(handlers, worker_id="metrics-test").run_once()
    assert push.payloads(subscription["endpoint"])
    await housekeep_all(settings, current(), now=dt.datetime.now(dt.UTC) + dt.timedelta(days=800))
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert (await client.get("/api/v1/no-such-thing")).status_code == 404
    after = await scrape(client)
    route = {"route": "/api/v1/dashboard", "method": "GET"}
    assert moved("portal_http_requests_total", route="unrouted", method="GET", status="404") == 1
    assert moved("portal_http_requests_total", status="200", **route) >= 1
    assert moved("portal_http_request_duration_seconds_count", **route) >= 1
    assert (
        moved("portal_hot_cache_total", result="hit")
        + moved("portal_hot_cache_total", result="miss")
        >= 2
    )
    assert moved("portal_auth_events_total", event="enrol", outcome="success") == 1
    assert moved("portal_auth_events_total", event="signin", outcome="success") == 1
    assert moved("portal_outbox_claimed_total", kind="webpush") >= 1
    assert (
        moved("portal_outbox_deliveries_total", kind="webpush", host="127.0.0.1", outcome="201")
        >= 1
    )
    assert value(after, "portal_outbox_depth", kind="webpush") == 0
    assert sum(
        v for (name, _), v in after.items() if name == "portal_housekeeping_deleted_rows_total"
    ) > sum(
        v for (name, _), v in before.items() if name == "portal_housekeeping_deleted_rows_total"
    )
    # No raw path (an ID, a tracking code) ever becomes a label: only the app's templates.
    templates = {route.path_format for route in app.routes} | {"unrouted"}
    labelled = {
        dict(labels)["route"] for (name, labels) in after if name == "portal_http_requests_total"
    }
    assert labelled <= templates, labelled - templates
    assert any("{" in t for t in labelled)  # e.g. an application's page, by its template


ENQUEUE = """
import asyncio
from backend.lib.db import bind_engine, make_engine
from backend.settings import get_settings
from backend.system.outbox.queue import NewMessage, enqueue_many

async def main():
    bind_engine(make_engine(get_settings()))
    await enqueue_many([NewMessage("webhook", {"event": {"id": "evt_1"}, "agency_id": 1})])

asyncio.run(main())
"""


def test_one_scrape_adds_up_every_process(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.env.update(METRICS_TOKEN=TOKEN)
    server.portal("migrate")
    server.portal("demo")
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backend.cli",
                "serve",
                "--port",
                str(server.port),
                "--workers",
                "2",
            ],
            env=server.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            deadline = time.monotonic() + 60  # two server processes start on a busy machine
            while True:
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
            for _ in range(40):
                response = http.get("/api/v1/services", headers={"Connection": "close"})
                assert response.status_code == 200
            # A worker process beside the servers counts into the same directory: one
            # webhook for an agency without one (dropped), claimed by `portal worker --once`.
            server.python(ENQUEUE)
            subprocess.run(
                [sys.executable, "-m", "backend.cli", "worker", "--once"],
                env=server.env,
                cwd=ROOT,
                check=True,
                timeout=60,
                capture_output=True,
            )
            found = values(http.get("/metrics", headers=AUTH).text)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # stopping is tested elsewhere; never leak the process
            process.kill()
            process.wait()
    # Counted in the worker's process, seen in the server's scrape.
    assert value(found, "portal_outbox_claimed_total", kind="webhook") == 1
    files = list((tmp_path / "prometheus").glob("*.db"))
    assert len({f.name.rsplit("_", 1)[-1] for f in files}) >= 2, files  # several processes
    served = value(
        found, "portal_http_requests_total", route="/api/v1/services", method="GET", status="200"
    )
    assert served == 40
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None  # the test process untouched


def test_alerts_and_dashboard_use_only_exported_metrics() -> None:
    import json
    import re

    import yaml

    exported = {
        "portal_http_requests_total",
        "portal_http_request_duration_seconds_bucket",
        "portal_db_pool_connections_in_use",
        "portal_db_pool_wait_seconds_bucket",
        "portal_hot_cache_total",
        "portal_outbox_deliveries_total",
        "portal_webhook_deliveries_total",
        "portal_outbox_lease_expiries_total",
        "portal_outbox_claimed_total",
        "portal_housekeeping_deleted_rows_total",
        "portal_auth_events_total",
        "portal_outbox_depth",
        "portal_outbox_oldest_age_seconds",
        "portal_outbox_dead",
    }
    from backend.lib.metrics import metrics, render

    metrics()
    text = render().decode()
    for name in exported - {
        "portal_outbox_depth",
        "portal_outbox_oldest_age_seconds",
        "portal_outbox_dead",
    }:
        assert name.removesuffix("_bucket").removesuffix("_total") in text, name
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    names = {"OutboxBacklogOld", "WorkersStoppedClaiming", "ServerErrors", "PushRefusedOurKey"}
    assert names <= {r["alert"] for g in rules["groups"] for r in g["rules"]}
    dashboard = json.loads((ROOT / "deploy/grafana/portal.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"portal_[a-z_]+", e)}
    assert used <= exported, used - exported
