"""Housekeeping deletes what can never be used again and keeps everything else: a session
a day past its end goes (with its challenges), one that holds a citizen's consent records
stays; old rate-limit windows, idempotency records, replay-guard signatures and delivered
outbox messages go; fresh ones, and dead letters within their 30 days, stay."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from backend.accounts.tables import Account, Challenge, OneTimeCode, Session
from backend.agency_api.tables import SeenSignature
from backend.domains import registry
from backend.kiosk.tables import AssistedSession, Kiosk
from backend.settings import Settings
from backend.system.housekeeping import housekeep_all
from backend.system.tables import IdempotencyRecord, OutboxMessage, RateLimitCounter

pytestmark = pytest.mark.usefixtures("db")

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


async def _account(role: str = "citizen") -> int:
    account = Account(
        user_handle=secrets.token_hex(8),
        role=role,
        full_name="ทดสอบ ระบบ",
        created_at=NOW - 400 * DAY,
    )
    await account.save()
    return int(account.id)


async def _session(account: int, *, last_seen: dt.datetime, expires: dt.datetime) -> int:
    session = Session(
        token_hash=secrets.token_hex(32),
        account=account,
        role="citizen",
        csrf_token="x",
        created_at=last_seen - dt.timedelta(minutes=5),
        last_seen_at=last_seen,
        expires_at=expires,
        idle_timeout_s=3600,
    )
    await session.save()
    await Challenge(
        session=session.id, purpose="add", challenge="c", created_at=last_seen, data="{}"
    ).save()
    return int(session.id)


async def _outbox(status: str, finished: dt.datetime | None) -> int:
    message = OutboxMessage(
        kind="webpush",
        payload="{}",
        status=status,
        next_attempt_at=NOW,
        created_at=NOW - 40 * DAY,
        finished_at=finished,
    )
    await message.save()
    return int(message.id)


async def test_housekeeping_deletes_the_expired_and_keeps_the_live(settings: Settings) -> None:
    citizen = await _account()
    live = await _session(citizen, last_seen=NOW - dt.timedelta(minutes=5), expires=NOW + DAY)
    ended = await _session(citizen, last_seen=NOW - 3 * DAY, expires=NOW - 2 * DAY)
    # Idle (or revoked) long ago, it is refused already; it goes a day after its absolute end.
    idle_long_ago = await _session(
        citizen, last_seen=NOW - 2 * DAY, expires=NOW - dt.timedelta(hours=36)
    )
    idle_lately = await _session(citizen, last_seen=NOW - 2 * DAY, expires=NOW + DAY)
    operator = await _account("operator")
    served_from = await _session(operator, last_seen=NOW - 9 * DAY, expires=NOW - 8 * DAY)
    kiosk = Kiosk(name="อำเภอเมือง", district="เมือง", province="ขอนแก่น", created_at=NOW)
    await kiosk.save()
    await AssistedSession(
        kiosk=kiosk.id,
        operator=operator,
        operator_session=served_from,
        citizen=citizen,
        started_at=NOW - 9 * DAY,
        last_activity_at=NOW - 9 * DAY,
        consent_method="in_person_id_check",
    ).save()

    await RateLimitCounter(key="old", window_start=int((NOW - 2 * DAY).timestamp()), hits=3).save()
    await RateLimitCounter(key="new", window_start=int(NOW.timestamp()) - 60, hits=3).save()
    for key, at in (("old", NOW - 3 * DAY), ("new", NOW - dt.timedelta(hours=1))):
        await IdempotencyRecord(scope_key=key, request_hash="h", created_at=at).save()
    await SeenSignature(signature="old", seen_at=NOW - dt.timedelta(minutes=30)).save()
    await SeenSignature(signature="new", seen_at=NOW - dt.timedelta(minutes=2)).save()
    for name, expires in (("old", NOW - 31 * DAY), ("new", NOW - DAY)):
        await OneTimeCode(
            code_hash=name,
            purpose="recovery",
            account=citizen,
            created_at=expires,
            expires_at=expires,
        ).save()
    delivered_old = await _outbox("done", NOW - 8 * DAY)
    delivered_new = await _outbox("done", NOW - DAY)
    dead_recent = await _outbox("dead", NOW - 8 * DAY)
    dead_old = await _outbox("dead", NOW - 31 * DAY)
    pending = await _outbox("pending", None)

    deleted = await housekeep_all(
        settings, registry(), NOW, batch=2
    )  # batches smaller than the backlog: it loops

    assert deleted["session"] == 2
    sessions = {r["id"] for r in await Session.select(Session.id)}
    assert live in sessions and served_from in sessions and idle_lately in sessions
    assert ended not in sessions and idle_long_ago not in sessions
    # Challenges go an hour after they were made, whatever their session.
    assert [r["session"] for r in await Challenge.select(Challenge.session)] == [live]
    assert await AssistedSession.count() == 1  # the consent record is intact
    assert [r["key"] for r in await RateLimitCounter.select(RateLimitCounter.key)] == ["new"]
    idempotency = await IdempotencyRecord.select(IdempotencyRecord.scope_key)
    assert [r["scope_key"] for r in idempotency] == ["new"]
    assert [r["signature"] for r in await SeenSignature.select(SeenSignature.signature)] == ["new"]
    assert [r["code_hash"] for r in await OneTimeCode.select(OneTimeCode.code_hash)] == ["new"]
    kept = {r["id"] for r in await OutboxMessage.select(OutboxMessage.id)}
    assert kept == {delivered_new, dead_recent, pending}
    assert delivered_old not in kept and dead_old not in kept
    assert deleted["outbox"] == 2

    assert set((await housekeep_all(settings, registry(), NOW)).values()) == {
        0
    }  # nothing more to do
