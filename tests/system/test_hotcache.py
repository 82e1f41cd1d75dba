"""Each process's memory of sessions and dashboards (system.hotcache, applications.fastpath):
answered without the database while nothing changed, forgotten as soon as something did, by
this process at once and by any other at its next read of the change feed.

The test app runs without the feed's poller (no pool); each test polls by hand, which is what
the poller does every POLL_S. "Another process" is a write that only adds its `cache_event`
row, as a write committed by another process leaves this one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import brotli
import pytest
from litestar.testing import AsyncTestClient
from piccolo.querystring import QueryString

from backend.accounts.tables import Session
from backend.applications.tables import Application
from backend.lib.db import current_engine, write_transaction
from backend.system import hotcache
from backend.system.counters import next_value
from backend.system.hotcache import cache_of
from backend.system.tables import RateLimitCounter
from tests.support.applications import OFFICER, agency_id, apply, set_status
from tests.support.database import Database
from tests.support.flows import csrf, enrol_citizen, enrol_staff, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def _poll() -> hotcache.HotCache:
    engine = current_engine()
    cache = cache_of(engine)
    await cache.poll(engine)
    return cache


async def _another_process_changed(account_id: int) -> None:
    """What another process's `announce` leaves behind: the feed row, nothing else here."""
    seq = await next_value(hotcache.COUNTER)
    await current_engine().run_querystring(
        QueryString(
            "INSERT INTO cache_event (seq, account, at) VALUES ({}, {}, {})",
            seq,
            account_id,
            dt.datetime.now(dt.UTC),
        )
    )


async def _status_behind_the_caches_back(app_id: int, status: str) -> None:
    await Application.update({Application.status: status}).where(Application.id == app_id)


async def test_an_unchanged_dashboard_is_answered_from_memory(client: Client) -> None:
    citizen = await enrol_citizen(client, national_id=thai_id(7001))
    app_id = (await apply(client)).json()["id"]
    await _poll()
    first = await client.get("/api/v1/dashboard")
    assert first.json()["items"][0]["status"] == "submitted"
    # A change that announces nothing is invisible: the answer comes from memory.
    await _status_behind_the_caches_back(app_id, "received")
    again = await client.get("/api/v1/dashboard")
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    revalidated = await client.get(
        "/api/v1/dashboard", headers={"if-none-match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304
    # Another process announces a change to this account: forgotten at the next poll.
    await _another_process_changed(citizen["account"]["id"])
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "submitted"
    await _poll()
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "received"


async def test_a_change_made_by_this_process_is_seen_at_once(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(7002))
    app_id = (await apply(client)).json()["id"]
    await _poll()
    etag = (await client.get("/api/v1/dashboard")).headers["etag"]
    await set_status(app_id, "received", OFFICER, agency_id=await agency_id("NHSO"))
    changed = await client.get("/api/v1/dashboard", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.json()["items"][0]["status"] == "received"
    other = (await apply(client)).json()["id"]
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["id"] == other


async def test_memory_answers_like_the_app(client: Client) -> None:
    """Status, body, ETag and headers are the same from memory as from the database, plain
    and in brotli; gzip is left to the app."""
    citizen = await enrol_citizen(client, national_id=thai_id(7003))
    for _ in range(6):
        await apply(client)
    for params in ({}, {"limit": "3"}, {"limit": "20", "since": "0"}):
        cache = await _poll()
        cache.clear()
        for encoding in ("br, gzip", "identity"):
            cold = await client.get(
                "/api/v1/dashboard", params=params, headers={"accept-encoding": encoding}
            )
            warm = await client.get(
                "/api/v1/dashboard", params=params, headers={"accept-encoding": encoding}
            )
            assert warm.status_code == cold.status_code == 200
            assert warm.content == cold.content
            for header in ("etag", "cache-control", "vary", "content-type", "content-encoding"):
                assert warm.headers.get(header) == cold.headers.get(header), header
    page = cache.page(citizen["account"]["id"], "limit=20&since=0")
    assert page is not None and page.brotli is not None
    assert brotli.decompress(page.brotli) == page.body
    gzip = await client.get("/api/v1/dashboard", headers={"accept-encoding": "gzip"})
    assert gzip.headers["content-encoding"] == "gzip"


async def test_a_session_ended_elsewhere_is_refused_after_the_next_poll(
    client: Client,
) -> None:
    citizen = await enrol_citizen(client, national_id=thai_id(7004))
    await _poll()
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    # Signed out everywhere by another process: its row says so, its feed row follows.
    await Session.update({Session.revoked_at: dt.datetime.now(dt.UTC)}).where(
        Session.account == citizen["account"]["id"]
    )
    await _another_process_changed(citizen["account"]["id"])
    await _poll()
    refused = await client.get("/api/v1/dashboard")
    assert refused.status_code == 401


async def test_signing_out_here_is_seen_at_once(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(7005))
    await _poll()
    cookies = dict(client.cookies)
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    assert (await client.post("/api/v1/auth/signout", headers=csrf(client))).status_code == 200
    client.cookies.update(cookies)  # a copy of the old cookie, replayed
    assert (await client.get("/api/v1/dashboard")).status_code == 401


async def test_a_session_that_looks_idle_is_read_again(client: Client) -> None:
    """Another process saw the citizen since this one remembered the session: the database
    has the newer `last_seen_at`, so an idle-looking memory is not the last word."""
    await enrol_citizen(client, national_id=thai_id(7006))
    cache = await _poll()
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    (row,) = cache.session_rows
    row["last_seen_at"] = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    (row,) = cache.session_rows
    assert dt.datetime.now(dt.UTC) - row["last_seen_at"] < dt.timedelta(minutes=1)


async def test_without_the_feed_nothing_is_answered_from_memory(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enrol_citizen(client, national_id=thai_id(7007))
    app_id = (await apply(client)).json()["id"]
    monkeypatch.setattr(hotcache, "STALE_AFTER_S", 0.0)
    await _poll()  # a poll that is stale at once: as if the feed could not be read
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    await _status_behind_the_caches_back(app_id, "received")
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "received"
    assert not cache_of(current_engine()).session_rows


async def test_a_fill_that_raced_a_change_is_not_kept() -> None:
    cache = hotcache.HotCache()
    cache._fresh_until = float("inf")
    before = cache.generation
    cache.forget(42)  # a change announced while the fill was reading
    cache.keep_page(42, "", hotcache.Page('W/"x"', b"{}"), before)
    assert cache.page(42, "") is None
    cache.keep_page(42, "", hotcache.Page('W/"x"', b"{}"), cache.generation)
    assert cache.page(42, "") is not None


async def test_an_account_keeps_a_few_pages() -> None:
    """A client sending ever new query strings cannot grow the memory without bound."""
    cache = hotcache.HotCache()
    cache._fresh_until = float("inf")
    for cursor in range(100):
        cache.keep_page(7, f"cursor={cursor}", hotcache.Page("e", b"{}"), cache.generation)
    kept = [c for c in range(100) if cache.page(7, f"cursor={c}")]
    assert kept == list(range(100 - hotcache.PAGES_PER_ACCOUNT, 100))


async def test_only_citizens_sessions_are_remembered(client: Client) -> None:
    """Staff sessions are read every time (an operator's context is a kiosk's, and their
    reads are audited)."""
    await enrol_staff(client, "operator")
    cache = await _poll()
    assert (await client.get("/api/v1/session")).status_code == 200
    assert cache.session_rows == []
    await enrol_citizen(client, national_id=thai_id(7008))
    assert (await client.get("/api/v1/session")).status_code == 200
    assert [r["role"] for r in cache.session_rows] == ["citizen"]


async def test_a_revalidated_page_is_remembered_by_its_etag(client: Client) -> None:
    """After a restart (or anything that emptied memory), phones revalidate: their 304 is
    remembered, so the next revalidation is answered from memory too."""
    await enrol_citizen(client, national_id=thai_id(7009))
    app_id = (await apply(client)).json()["id"]
    await _poll()
    etag = (await client.get("/api/v1/dashboard")).headers["etag"]
    cache_of(current_engine()).clear()  # a restart
    assert (
        await client.get("/api/v1/dashboard", headers={"if-none-match": etag})
    ).status_code == 304
    await _status_behind_the_caches_back(app_id, "received")
    # Answered from memory: the change above announced nothing, so the page still matches.
    again = await client.get("/api/v1/dashboard", headers={"if-none-match": etag})
    assert again.status_code == 304
    # A plain GET needs the body, which memory does not have: read, and right.
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "received"


async def test_a_renamed_service_is_seen_on_every_dashboard(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(7010))
    await apply(client)
    await _poll()
    name = (await client.get("/api/v1/dashboard")).json()["items"][0]["service"]["name"]
    assert name["en"] != "Renamed"
    from backend.catalog.demo_data import SERVICES
    from backend.catalog.services import upsert_service
    from backend.lib.db import write_transaction

    demo = next(s for s in SERVICES if s["slug"] == "change-health-unit")
    async with write_transaction():
        data = {k: v for k, v in demo.items() if k != "agency"}
        await upsert_service(demo["agency"], {**data, "name_en": "Renamed"})
    renamed = (await client.get("/api/v1/dashboard")).json()["items"][0]["service"]["name"]
    assert renamed["en"] == "Renamed"


async def test_memory_is_read_again_after_its_age(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change the feed never saw (made by hand in SQL) shows once memory is too old."""
    await enrol_citizen(client, national_id=thai_id(7011))
    app_id = (await apply(client)).json()["id"]
    await _poll()
    await client.get("/api/v1/dashboard")
    await _status_behind_the_caches_back(app_id, "received")
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "submitted"
    monkeypatch.setattr(hotcache, "PAGE_MAX_AGE_S", 0.0)
    assert (await client.get("/api/v1/dashboard")).json()["items"][0]["status"] == "received"


def test_sessions_are_bounded_per_account_and_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = hotcache.HotCache()
    cache._fresh_until = float("inf")
    for n in range(100):
        cache.keep_session(f"a{n}", {"account": 1}, cache.generation)
    assert len(cache.session_rows) == hotcache.SESSIONS_PER_ACCOUNT
    assert cache.session("a99") is not None and cache.session("a0") is None
    monkeypatch.setattr(hotcache, "MAX_SESSIONS", 50)
    for n in range(100):
        cache.keep_session(f"b{n}", {"account": 1000 + n}, cache.generation)
    assert len(cache.session_rows) == 50
    assert cache.session("b99") is not None and cache.session("b0") is None
    cache.drop_session("b99")
    cache.forget(1098)
    assert len(cache.session_rows) == 48


def test_pages_are_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = hotcache.HotCache()
    cache._fresh_until = float("inf")
    monkeypatch.setattr(hotcache, "MAX_PAGE_BYTES", 10_000)
    for account in range(1, 101):
        cache.keep_page(account, "", hotcache.Page("e", b"x" * 999), cache.generation)
    kept = [a for a in range(1, 101) if cache.page(a, "")]
    assert kept == list(range(91, 101))  # the newest ten thousand bytes


async def test_announcing_outside_a_transaction_is_a_bug() -> None:
    """The feed is ordered by its counter's lock, which only a transaction holds to commit."""
    with pytest.raises(RuntimeError, match="transaction"):
        await hotcache.announce(1)


async def test_the_poller_checks_remembered_sessions_against_the_database(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revocation no feed row told of (made by hand in SQL) holds once the poller has
    checked the session; a live one stays remembered, with the database's later activity."""
    citizen = await enrol_citizen(client, national_id=thai_id(7012))
    cache = await _poll()
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    await Session.update({Session.last_seen_at: later}).where(
        Session.account == citizen["account"]["id"]
    )
    monkeypatch.setattr(hotcache, "SESSION_CHECK_S", 0.0)
    await _poll()
    (row,) = cache.session_rows
    assert row["last_seen_at"] == later
    await Session.update({Session.revoked_at: dt.datetime.now(dt.UTC)}).where(
        Session.account == citizen["account"]["id"]
    )
    assert (await client.get("/api/v1/dashboard")).status_code == 200  # not checked yet
    await _poll()
    assert cache.session_rows == []
    assert (await client.get("/api/v1/dashboard")).status_code == 401


async def test_a_feed_that_went_back_is_noticed(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database restored from a backup numbers its new feed rows below what a process has
    read: at its next minute's look at the feed, the process starts over."""
    await enrol_citizen(client, national_id=thai_id(7013))
    cache = await _poll()
    cache._seen += 1000  # as if the feed had been further along before the restore
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    assert cache.session_rows
    monkeypatch.setattr(hotcache, "SWEEP_EVERY_S", 0.0)
    await _poll()  # notices
    await _poll()  # starts over: nothing remembered
    assert cache.session_rows == []


async def _feed_rows() -> int:
    rows = await current_engine().run_querystring(
        QueryString("SELECT COUNT(*) AS n FROM cache_event")
    )
    return int(rows[0]["n"])


async def test_the_feed_row_is_the_last_write_whatever_follows_announce() -> None:
    """announce() writes its row when the transaction is about to commit, after every write
    the caller makes later: the feed's counter row is locked only from then until commit."""
    async with write_transaction():
        await hotcache.announce(41)
        await RateLimitCounter.insert(RateLimitCounter(key="after", window_start=1, hits=1))
        assert await _feed_rows() == 0  # not written yet, in this very transaction
    assert await _feed_rows() == 1


async def test_a_rolled_back_change_announces_nothing() -> None:
    async def change_that_fails() -> None:
        async with write_transaction():
            await hotcache.announce(41)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await change_that_fails()
    assert await _feed_rows() == 0


async def test_an_open_change_holds_no_lock_on_the_feed(db: Database) -> None:
    """Another writer announces and commits while a change that announced first is still
    open (on PostgreSQL; SQLite has one writer at a time anyway), and the feed stays in
    commit order."""
    if db.kind != "postgres":
        pytest.skip("one writer at a time on SQLite")
    announced, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with write_transaction():
            await hotcache.announce(1)
            announced.set()
            await release.wait()

    task = asyncio.create_task(first())
    await announced.wait()
    async with write_transaction():
        await hotcache.announce(2)  # would wait for `first` if its counter row were locked
    release.set()
    await asyncio.wait_for(task, 5)
    rows = await current_engine().run_querystring(
        QueryString("SELECT account FROM cache_event ORDER BY seq")
    )
    assert [r["account"] for r in rows] == [2, 1]
