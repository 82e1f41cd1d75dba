"""No unauthenticated answer tells whether an ID number has an account (issue 13, point 5).
Sign-in: an ID number with no passkey gets a made-up one, the same each time, in an answer of
the same shape, headers and time as a real one. Enrolment: options for a held number are
those of a free one (only the finished ceremony is refused, pointing to verification)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.services import Limits
from backend.system.ratelimit import Limit
from tests.support.flows import csrf, enrol_citizen, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]

KNOWN, UNKNOWN = thai_id(31), thai_id(32)
VARYING = {"date", "set-cookie", "x-request-id", "content-length", "etag"}


async def options(make_client: Any, national_id: str) -> Any:
    async with make_client() as browser:  # a fresh browser each time, as a prober would be
        return await browser.post("/api/v1/auth/signin/options", json={"national_id": national_id})


@pytest.fixture(autouse=True)
def many_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Limits, "SIGNIN_IP", Limit("signin:ip", 10_000, 600))
    monkeypatch.setattr(Limits, "ENROL_IP", Limit("enrol:ip", 10_000, 600))
    monkeypatch.setattr(Limits, "ENROL_ID", Limit("enrol:id", 10_000, 600))


async def test_an_unknown_id_looks_like_a_known_one(make_client: Any) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=KNOWN)
    known, unknown = await options(make_client, KNOWN), await options(make_client, UNKNOWN)
    assert known.status_code == unknown.status_code == 200
    shape = [sorted(c) for c in (known.json()["public_key"]["allowCredentials"],) for c in c]
    made_up = unknown.json()["public_key"]["allowCredentials"]
    assert [sorted(c) for c in made_up] == shape  # one passkey, the same fields
    assert 22 <= len(made_up[0]["id"]) <= 43  # 16 to 32 bytes, as authenticators make them
    assert {k for k in known.headers if k not in VARYING} == {
        k for k in unknown.headers if k not in VARYING
    }
    assert {k: v for k, v in known.headers.items() if k not in VARYING} == {
        k: v for k, v in unknown.headers.items() if k not in VARYING
    }
    assert abs(len(known.content) - len(unknown.content)) <= 22  # the ids' lengths vary
    again = await options(make_client, UNKNOWN)
    assert again.json()["public_key"]["allowCredentials"] == made_up  # stable per number
    other = await options(make_client, thai_id(33))
    assert other.json()["public_key"]["allowCredentials"] != made_up


async def test_known_and_unknown_take_the_same_time(client: Client, make_client: Any) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=KNOWN)
    timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for round_ in range(50):
        for national_id, times in sorted(timings.items(), reverse=bool(round_ % 2)):
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/auth/signin/options",
                json={"national_id": national_id},
                headers=csrf(client),
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
    assert_same_time("signin/options", timings)


def enrolment(national_id: str) -> dict[str, str]:
    return {"national_id": national_id, "full_name": "สมชาย ใจดี", "language": "th"}


async def test_enrolment_does_not_tell_a_held_number_from_a_free_one(make_client: Any) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=KNOWN, full_name="สมชาย ใจดี")
    answers = []
    for national_id in (KNOWN, UNKNOWN):
        async with make_client() as browser:
            answers.append(
                await browser.post("/api/v1/auth/enrol/options", json=enrolment(national_id))
            )
    known, unknown = answers
    assert known.status_code == unknown.status_code == 200
    assert sorted(known.json()["public_key"]) == sorted(unknown.json()["public_key"])
    assert known.json()["public_key"]["excludeCredentials"] == []
    assert unknown.json()["public_key"]["excludeCredentials"] == []
    assert {k: v for k, v in known.headers.items() if k not in VARYING} == {
        k: v for k, v in unknown.headers.items() if k not in VARYING
    }
    assert len(known.content) == len(unknown.content)


async def test_enrolment_takes_the_same_time_for_both(client: Client, make_client: Any) -> None:
    async with make_client() as phone:
        await enrol_citizen(phone, national_id=KNOWN)
    timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for round_ in range(50):
        for national_id, times in sorted(timings.items(), reverse=bool(round_ % 2)):
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/auth/enrol/options", json=enrolment(national_id), headers=csrf(client)
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
    assert_same_time("enrol/options", timings)


def assert_same_time(what: str, timings: dict[str, list[float]]) -> None:
    """Medians over 50 tries less than 5 ms apart on a quiet machine. Each known try runs right
    beside an unknown one, so the median of the pairs' differences is taken too: on a loaded
    machine a burst of load shifts both of a pair alike, where it can move one median by 10 ms
    alone. A machine busy with other work slows every request alike (200 ms a try seen with
    five other processes per core), and a difference from the code would slow as much: so the
    allowance grows with the requests' own time, a fifth of it, never below 5 ms."""
    medians = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    paired = statistics.median(a - b for a, b in zip(timings[KNOWN], timings[UNKNOWN], strict=True))
    print(what, "median ms", medians, "paired difference ms", paired * 1000)  # for the record
    allowance = max(5.0, min(medians.values()) / 5)
    assert abs(paired) * 1000 < allowance, (medians, paired)
    assert abs(medians[KNOWN] - medians[UNKNOWN]) < allowance or abs(paired) * 1000 < 1, medians
