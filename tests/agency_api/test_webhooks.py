"""Webhooks: queued with the change, delivered signed to a real local server, retried after
500s, dead-lettered after N attempts, replayed by an admin, never lost to a killed worker."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.schemas import WebhookUpdate
from backend.agency_api.webhooks import WEBHOOK_KIND, WebhookHandler, configure_webhook
from backend.lib.db import current_engine
from backend.settings import ROOT, Settings
from backend.system.hotcache import cache_of
from backend.system.outbox.worker import Worker, open_handlers
from backend.system.tables import OutboxMessage
from tests.support.agency import ADMIN, Signer, apply_id_card, status
from tests.support.agency_receiver import AgencyReceiver
from tests.support.database import Database
from tests.support.flows import csrf, enrol_staff
from tests.support.notifications import eventually
from tests.support.outbox import Clock

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db", "citizen")]

Client = AsyncTestClient[Any]


@pytest.fixture
async def receiver(settings: Settings) -> AsyncIterator[AgencyReceiver]:
    async with AgencyReceiver() as agency:
        out = await configure_webhook(
            ADMIN, "DOPA", WebhookUpdate(url=agency.url), settings=settings
        )
        assert out.secret is not None
        agency.secret = out.secret
        yield agency


async def webhooks() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await OutboxMessage.select()
        .where(OutboxMessage.kind == WEBHOOK_KIND)
        .order_by(OutboxMessage.id)
    )
    return rows


async def drain(settings: Settings, clock: Clock | None = None, **kwargs: Any) -> None:
    async with WebhookHandler(settings) as handler:
        worker = Worker({WEBHOOK_KIND: handler}, worker_id="test", clock=clock or Clock(), **kwargs)
        await worker.run_once()


async def test_submitted_withdrawn_and_answered_are_delivered_signed(
    client: Client, dopa: Signer, receiver: AgencyReceiver, settings: Settings
) -> None:
    app_id = await apply_id_card(client)
    await status(client, dopa, app_id, {"status": "received"})  # not an event
    await status(
        client, dopa, app_id,
        {"status": "needs_info", "message": {"en": "Phone?"}, "needs": ["phone"]},
    )  # fmt: skip
    answer = await client.post(
        f"/api/v1/applications/{app_id}/answer",
        json={"answers": {"phone": "0899999999"}},
        headers=csrf(client),
    )
    assert answer.status_code == 200, answer.text
    withdrawn = await client.post(
        f"/api/v1/applications/{app_id}/withdraw", json={"reason": "x"}, headers=csrf(client)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert len(await webhooks()) == 3

    await drain(settings)
    assert receiver.rejected == []
    # One batch is delivered concurrently: events carry their time, not an order.
    assert sorted(e["type"] for e in receiver.events) == [
        "application.needs_info_answered",
        "application.submitted",
        "application.withdrawn",
    ]
    [first] = [e for e in receiver.events if e["type"] == "application.submitted"]
    assert first["agency"] == "DOPA"
    assert first["data"]["application_id"] == app_id
    assert first["data"]["service"] == "id-card-replacement"
    assert "answers" not in first["data"]  # no personal data in the event
    assert len({e["id"] for e in receiver.events}) == 3
    assert {r["status"] for r in await webhooks()} == {"done"}


async def test_no_webhook_no_event(client: Client, settings: Settings) -> None:
    await apply_id_card(client)
    assert await webhooks() == []


async def test_a_disabled_webhook_queues_nothing(
    client: Client, receiver: AgencyReceiver, settings: Settings
) -> None:
    await configure_webhook(
        ADMIN, "DOPA", WebhookUpdate(url=receiver.url, enabled=False), settings=settings
    )
    await apply_id_card(client)
    assert await webhooks() == []


async def test_a_webhook_switched_on_hears_the_next_submission(
    client: Client, settings: Settings
) -> None:
    """Whether the agency has a webhook is remembered between submissions
    (system.hotcache): switching it on is seen by the very next one."""
    engine = current_engine()
    await cache_of(engine).poll(engine)  # memory live, as the app's poller keeps it
    await apply_id_card(client)
    assert await webhooks() == []
    async with AgencyReceiver() as agency:
        await configure_webhook(ADMIN, "DOPA", WebhookUpdate(url=agency.url), settings=settings)
        await cache_of(engine).poll(engine)
        await apply_id_card(client)
    assert len(await webhooks()) == 1


async def test_500s_are_retried_with_backoff_then_delivered(
    client: Client, receiver: AgencyReceiver, settings: Settings
) -> None:
    await apply_id_card(client)
    receiver.script(500, 503)
    clock = Clock()
    for _ in range(3):
        await drain(settings, clock)
        clock.advance(3600)
    assert receiver.attempts == 3
    assert [e["type"] for e in receiver.events] == ["application.submitted"]
    [row] = await webhooks()
    assert (row["status"], row["attempts"]) == ("done", 3)


async def test_dead_lettered_after_n_attempts_then_replayed_by_an_admin(
    client: Client, make_client: Any, receiver: AgencyReceiver, settings: Settings
) -> None:
    await apply_id_card(client)
    receiver.script(500, 500, 500)
    clock = Clock()
    for _ in range(3):
        await drain(settings, clock, max_attempts={WEBHOOK_KIND: 3})
        clock.advance(3600)
    [row] = await webhooks()
    assert (row["status"], row["attempts"]) == ("dead", 3)
    assert "HTTP 500" in row["last_error"]
    assert receiver.events == []

    async with make_client() as admin:
        await enrol_staff(admin, "admin")
        dead = await admin.get("/api/v1/admin/webhooks/dead", params={"agency": "DOPA"})
        assert dead.status_code == 200
        [letter] = dead.json()
        assert letter["event_type"] == "application.submitted"
        assert letter["attempts"] == 3
        replayed = await admin.post(
            f"/api/v1/admin/webhooks/dead/{letter['id']}/replay", headers=csrf(admin)
        )
        assert replayed.status_code == 204
        again = await admin.post(
            f"/api/v1/admin/webhooks/dead/{letter['id']}/replay", headers=csrf(admin)
        )
        assert again.status_code == 404
    await drain(settings, clock)
    assert [e["id"] for e in receiver.events] == [letter["event_id"]]


async def test_a_new_secret_applies_to_pending_retries(
    client: Client, receiver: AgencyReceiver, settings: Settings
) -> None:
    await apply_id_card(client)
    receiver.script(500)
    clock = Clock()
    await drain(settings, clock)
    out = await configure_webhook(
        ADMIN, "DOPA", WebhookUpdate(url=receiver.url, new_secret=True), settings=settings
    )
    assert out.secret and out.secret != receiver.secret
    receiver.secret = out.secret
    clock.advance(3600)
    await drain(settings, clock)
    assert len(receiver.events) == 1 and receiver.rejected == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x"]
)
async def test_webhook_urls_must_be_public_http(settings: Settings, url: str) -> None:
    from backend.lib.errors import ValidationFailedError

    production = Settings(var_dir=settings.var_dir, database_url=settings.database_url)
    with pytest.raises(ValidationFailedError) as refused:
        await configure_webhook(ADMIN, "DOPA", WebhookUpdate(url=url), settings=production)
    assert refused.value.fields and "url" in refused.value.fields


async def test_the_worker_refuses_a_private_address_at_connect_time(
    client: Client, receiver: AgencyReceiver, settings: Settings
) -> None:
    """The URL was accepted (here: allowed in tests); a production worker still refuses to
    connect to a private address, whatever DNS says at that moment."""
    await apply_id_card(client)
    production = Settings(var_dir=settings.var_dir, database_url=settings.database_url)
    await drain(production)
    [row] = await webhooks()
    assert row["status"] == "dead"
    assert "private" in row["last_error"]
    assert receiver.attempts == 0


async def test_the_registered_handlers_include_webhooks(settings: Settings) -> None:
    async with open_handlers(settings) as handlers:
        assert WEBHOOK_KIND in handlers


async def start_worker(db: Database, log: Path, *args: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "VAR_DIR": str(db.var_dir),
        "LOG_LEVEL": "INFO",
        "AGENCY_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with log.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", "worker", *args,
            env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


async def test_a_worker_killed_mid_delivery_loses_no_event(
    client: Client, db: Database, tmp_path: Path, receiver: AgencyReceiver, settings: Settings
) -> None:
    # The worker subprocess reads secrets with the key in the database's VAR_DIR.
    assert settings.var_dir == str(db.var_dir)
    ids = [await apply_id_card(client) for _ in range(6)]
    receiver.delay_s = 0.5  # a slow agency, so the kill lands mid-delivery
    first = await start_worker(
        db, tmp_path / "first.log", "--worker-id", "first", "--concurrency", "2", "--lease-s", "2"
    )

    async def delivering() -> bool:
        return receiver.attempts >= 1

    async def all_arrived() -> bool:
        return {e["data"]["application_id"] for e in receiver.events} == set(ids)

    async def all_done() -> bool:
        return {r["status"] for r in await webhooks()} == {"done"}

    await eventually(delivering, 20)
    second = await start_worker(db, tmp_path / "second.log", "--worker-id", "second")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    try:
        await eventually(all_arrived, 30)
        await eventually(all_done, 30)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 15) == 0, (tmp_path / "second.log").read_text()
    assert receiver.rejected == []
    # At least once: an event the first worker sent before dying may arrive twice, with
    # the same id, which is how the agency deduplicates.
    by_app: dict[int, set[str]] = {}
    for event in receiver.events:
        by_app.setdefault(event["data"]["application_id"], set()).add(event["id"])
    assert all(len(event_ids) == 1 for event_ids in by_app.values())
