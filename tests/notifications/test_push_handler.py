"""The `webpush` outbox handler: payload → encrypted push → outcome, and end to end through
the worker and the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend.lib.webpush import PAYLOAD_LIMIT_BYTES, VapidKeys, load_or_create_vapid, rotate_vapid
from backend.notifications.push_handler import WEBPUSH_KIND, WebPushHandler, webpush_payload
from backend.settings import Settings
from backend.system.outbox.outcomes import Dead, Delivered, Drop, Message, Outcome, Retry
from backend.system.outbox.queue import enqueue
from backend.system.outbox.worker import BatchResult, Worker
from tests.support.database import Database
from tests.support.outbox import Clock, outbox_rows
from tests.support.push_service import PushService

BODY = {"title": "สถานะคำขอ", "body": "คำขอของคุณได้รับการอนุมัติแล้ว", "url": "/#/applications/7"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The handler needs no database: the portal's VAPID key lives in tmp_path (the worker
    test below binds a database through `db`; its handlers need only this key)."""
    return Settings(var_dir=str(tmp_path))


@pytest.fixture
async def handler(vapid: VapidKeys) -> AsyncIterator[tuple[WebPushHandler, list[int]]]:
    gone: list[int] = []

    async def on_gone(subscription_id: int) -> None:
        gone.append(subscription_id)

    async with WebPushHandler(vapid, on_gone=on_gone) as opened:
        yield opened, gone


async def deliver(handler: WebPushHandler, payload: dict[str, Any]) -> Outcome:
    return await handler(Message(id=1, kind=WEBPUSH_KIND, payload=payload, attempts=1))


async def test_delivers_the_body_with_its_headers(
    push: PushService, handler: tuple[WebPushHandler, list[int]]
) -> None:
    subscription = push.subscribe()
    payload = webpush_payload(subscription, BODY, ttl=600, urgency="high", topic="app-7")
    assert await deliver(handler[0], payload) == Delivered()
    [received] = push.received[subscription["endpoint"]]
    assert received.json() == BODY
    assert (received.ttl, received.urgency, received.topic) == (600, "high", "app-7")


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (410, None, Drop("subscription gone: push service answered 410")),
        (404, None, Drop("subscription gone: push service answered 404")),
        (429, "30", Retry(30.0, "push service answered 429")),
        (503, None, Retry(None, "push service answered 503")),
        (413, None, Dead("push service answered 413")),
        (401, None, Dead("push service answered 401")),
        # Refused before that push service took any push of ours: perhaps our key is wrong.
        (403, None, Dead("push service answered 403")),
    ],
)
async def test_push_service_answers_become_outcomes(
    push: PushService,
    handler: tuple[WebPushHandler, list[int]],
    status: int,
    retry_after: str | None,
    expected: Outcome,
) -> None:
    subscription = push.subscribe()
    push.script(subscription["endpoint"], status, retry_after=retry_after)
    outcome = await deliver(handler[0], webpush_payload(subscription, BODY, subscription_id=9))
    assert outcome == expected
    assert handler[1] == ([9] if status in {404, 410} else [])


async def test_after_a_key_rotation_old_subscriptions_are_forgotten_not_retried(
    settings: Settings, push: PushService
) -> None:
    """A subscription made for the old key gets 403s from then on (tests/support/push_service
    refuses another `k`, as real ones do). Once that push service has taken a push signed
    with the new key, the fault is the subscription's: it is forgotten, not dead-lettered
    with every status change for ever."""
    old = push.subscribe()  # made for the fixture's (the old) key
    new_keys = rotate_vapid(settings)
    gone: list[int] = []

    async def on_gone(subscription_id: int) -> None:
        gone.append(subscription_id)

    async with WebPushHandler(new_keys, on_gone=on_gone) as handler:
        first = await deliver(handler, webpush_payload(old, BODY, subscription_id=1))
        assert first == Dead("push service answered 403: signed by another key than the "
                             "subscription's applicationServerKey")  # fmt: skip
        assert gone == []  # no proof yet that this push service takes our new key

        renewed = push.subscribe(application_server_key=new_keys.public_key_b64url)
        payload = webpush_payload(renewed, BODY, subscription_id=2)
        assert await deliver(handler, payload) == Delivered()
        again = await deliver(handler, webpush_payload(old, BODY, subscription_id=1))
        assert isinstance(again, Drop) and "another VAPID key" in again.reason
        assert gone == [1]
    assert push.payloads(renewed["endpoint"]) == [BODY]
    assert [r.status for r in push.rejected] == [403, 403]


@pytest.mark.parametrize(
    "payload",
    [
        {"endpoint": "http://127.0.0.1:9/push/x", "body": {}},  # keys missing
        {"endpoint": "http://127.0.0.1:9/push/x", "p256dh": "AA", "auth": "AA", "body": "text"},
    ],
)
async def test_malformed_payloads_are_dead(
    handler: tuple[WebPushHandler, list[int]], payload: dict[str, Any]
) -> None:
    outcome = await deliver(handler[0], payload)
    assert isinstance(outcome, Dead)
    assert outcome.error.startswith("malformed webpush payload")


async def test_an_oversized_body_is_dead_without_being_sent(
    push: PushService, handler: tuple[WebPushHandler, list[int]]
) -> None:
    big = {"text": "ก" * (PAYLOAD_LIMIT_BYTES // 3)}  # 3 bytes a Thai character in UTF-8
    outcome = await deliver(handler[0], webpush_payload(push.subscribe(), big))
    assert isinstance(outcome, Dead)
    assert "exceeds 3072" in outcome.error
    assert push.requests_started == 0


async def test_queued_pushes_go_out_through_the_worker(
    db: Database, settings: Settings, push: PushService, clock: Clock
) -> None:
    ok, gone, busy = push.subscribe(), push.subscribe(), push.subscribe()
    push.script(gone["endpoint"], 410)
    push.script(busy["endpoint"], 429, retry_after="7")
    for n, subscription in enumerate([ok, gone, busy], start=1):
        await enqueue(WEBPUSH_KIND, webpush_payload(subscription, BODY, subscription_id=n))
    removed: list[int] = []

    async def on_gone(subscription_id: int) -> None:
        removed.append(subscription_id)

    async with WebPushHandler(load_or_create_vapid(settings), on_gone=on_gone) as handler:
        handlers = {WEBPUSH_KIND: handler}
        worker = Worker(handlers, worker_id="w", clock=clock)
        assert await worker.run_once() == BatchResult(claimed=3, delivered=1, dropped=1, retried=1)
        assert removed == [2]
        delivered, dropped, retried = await outbox_rows()
        assert delivered["status"] == "done" and delivered["last_error"] is None
        assert dropped["status"] == "done" and "gone" in dropped["last_error"]
        assert retried["status"] == "pending"
        assert retried["next_attempt_at"] == clock.now + dt.timedelta(seconds=7)

        clock.advance(7)
        assert await worker.run_once() == BatchResult(claimed=1, delivered=1)
    assert push.payloads(ok["endpoint"]) == [BODY]
    assert push.payloads(busy["endpoint"]) == [BODY]
    assert push.payloads(gone["endpoint"]) == []
    assert push.rejected == []
