"""Producers' side: enqueue joins the caller's transaction; dedupe keys; dead letters."""

from __future__ import annotations

from typing import Any

import pytest
from piccolo.querystring import QueryString

from backend.catalog.tables import Service
from backend.lib.db import current_engine, transaction
from backend.system.outbox.outcomes import Dead, Delivered, Message, Outcome
from backend.system.outbox.queue import (
    InvalidOutboxMessageError,
    NewMessage,
    OutboxMessageNotFoundError,
    enqueue,
    enqueue_later,
    enqueue_many,
    list_dead,
    replay,
)
from backend.system.outbox.worker import Worker
from tests.support.database import Database
from tests.support.outbox import Clock, outbox_rows


class RolledBackError(Exception):
    pass


async def test_enqueue_commits_with_the_callers_transaction(db: Database) -> None:
    service = await Service.select(Service.id, Service.published).first()
    assert service is not None
    async with transaction():
        await Service.update({Service.published: not service["published"]}).where(
            Service.id == service["id"]
        )
        first = await enqueue("webhook", {"service": service["id"], "text": "เปิดบริการ"})
    assert first is not None
    [row] = await outbox_rows()
    assert row["id"] == first
    assert row["kind"] == "webhook"
    assert row["status"] == "pending"
    assert row["attempts"] == 0
    assert row["next_attempt_at"] <= row["created_at"]


async def test_a_rolled_back_transaction_leaves_no_message(db: Database) -> None:
    service = await Service.select(Service.id, Service.published).first()
    assert service is not None

    async def publish_and_notify_then_fail() -> None:
        async with transaction():
            await Service.update({Service.published: not service["published"]}).where(
                Service.id == service["id"]
            )
            await enqueue("webhook", {"service": service["id"]})
            await enqueue_many([NewMessage("webpush", {"n": n}) for n in range(3)])
            raise RolledBackError

    with pytest.raises(RolledBackError):
        await publish_and_notify_then_fail()
    assert await outbox_rows() == []
    after = await Service.select(Service.published).where(Service.id == service["id"]).first()
    assert after == {"published": service["published"]}


async def test_enqueue_later_writes_at_the_end_of_the_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages whose ids nobody needs (pushes, webhook events) are written by the
    transaction's last statement on PostgreSQL, a round trip fewer; at once on SQLite or
    without a transaction. Either way they commit or roll back with the transaction."""
    sent: list[str] = []
    engine = current_engine()
    run = type(engine).run_querystring

    async def counted(self: Any, query: QueryString, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query.template))
        return await run(self, query, *args, **kwargs)

    monkeypatch.setattr(type(engine), "run_querystring", counted)
    async with transaction():
        await enqueue_later([NewMessage("webpush", {"n": n}, dedupe_key=f"k{n}") for n in (1, 2)])
        assert len(sent) == (0 if db.kind == "postgres" else 1)
        await enqueue_later([NewMessage("webhook", {"n": 3}, dedupe_key="k1")])  # known key
    assert len(sent) == (1 if db.kind == "postgres" else 2)
    assert [(r["kind"], r["payload"]) for r in await outbox_rows()] == [
        ("webpush", '{"n":1}'),
        ("webpush", '{"n":2}'),
    ]

    async def queue_then_fail() -> None:
        async with transaction():
            await enqueue_later([NewMessage("webpush", {"n": 4})])
            raise RolledBackError

    with pytest.raises(RolledBackError):
        await queue_then_fail()
    await enqueue_later([NewMessage("webpush", {"n": 5})])  # no transaction: now
    assert [r["payload"] for r in await outbox_rows()][2:] == ['{"n":5}']
    with pytest.raises(InvalidOutboxMessageError):
        async with transaction():
            await enqueue_later([NewMessage("", {"n": 6})])  # refused when queued


async def test_a_dedupe_key_enqueues_once_even_inside_a_transaction(db: Database) -> None:
    first = await enqueue("webpush", {"n": 1}, dedupe_key="status:42:sub:7")
    async with transaction():
        # On PostgreSQL a unique violation would abort this transaction; this must not.
        assert await enqueue("webpush", {"n": 2}, dedupe_key="status:42:sub:7") is None
        other = await enqueue("webpush", {"n": 3}, dedupe_key="status:42:sub:8")
    rows = await outbox_rows()
    assert [r["id"] for r in rows] == [first, other]
    assert rows[0]["payload"] == '{"n":1}'


async def test_enqueue_many_inserts_a_batch_and_skips_known_keys(db: Database) -> None:
    await enqueue("webpush", {"n": 0}, dedupe_key="k0")
    ids = await enqueue_many(
        [NewMessage("webpush", {"n": n}, dedupe_key=f"k{n % 3}") for n in range(6)]
        + [NewMessage("webpush", {"n": n}) for n in range(1500)]  # more than one INSERT
    )
    assert len(ids) == 2 + 1500  # k1 and k2 once each; k0 existed; no key: all
    rows = await outbox_rows()
    assert [r["id"] for r in rows][1:] == ids
    assert [r["dedupe_key"] for r in rows[:3]] == ["k0", "k1", "k2"]


async def test_delay_postpones_the_first_attempt(db: Database) -> None:
    await enqueue("webpush", {"n": 1}, delay_s=60)
    [row] = await outbox_rows()
    assert 59 <= (row["next_attempt_at"] - row["created_at"]).total_seconds() <= 60


@pytest.mark.parametrize(
    ("kind", "payload", "dedupe_key"),
    [("", {}, None), ("k" * 33, {}, None), ("webpush", {"x": object()}, None), ("webpush", {}, "")],
)
async def test_bad_messages_are_refused_on_both_engines(
    db: Database, kind: str, payload: dict[str, object], dedupe_key: str | None
) -> None:
    with pytest.raises(InvalidOutboxMessageError):
        await enqueue(kind, payload, dedupe_key=dedupe_key)
    assert await outbox_rows() == []


async def test_dead_letters_are_listed_and_replayed(db: Database, clock: Clock) -> None:
    outcomes: list[Outcome] = [Dead("agency endpoint says 400"), Delivered()]

    async def handler(message: Message) -> Outcome:
        return outcomes.pop(0)

    dead_id = await enqueue("webhook", {"application": 12})
    await enqueue("webpush", {"n": 1})
    worker = Worker({"webhook": handler}, worker_id="w", clock=clock)
    assert (await worker.run_once()).dead == 1

    [dead] = await list_dead()
    assert (dead.id, dead.kind, dead.payload, dead.attempts) == (
        dead_id,
        "webhook",
        {"application": 12},
        1,
    )
    assert dead.last_error == "agency endpoint says 400"
    assert dead.finished_at is not None
    assert await list_dead(kind="webpush") == []

    await replay(dead_id)
    row = (await outbox_rows())[0]
    assert (row["status"], row["attempts"], row["finished_at"]) == ("pending", 0, None)
    with pytest.raises(OutboxMessageNotFoundError):
        await replay(dead_id)  # no longer dead

    clock.advance(1)
    assert (await worker.run_once()).delivered == 1
    assert (await outbox_rows())[0]["status"] == "done"
    assert await list_dead() == []
