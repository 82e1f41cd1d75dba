"""Signed requests: accepted when right, refused with a code naming each way of being wrong."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.credentials import revoke_credential, rotate_credential
from backend.agency_api.keys import secret_box
from backend.agency_api.signing import canonical_request, sign_request, sign_webhook
from backend.agency_api.tables import AgencyCredential
from backend.settings import Settings
from tests.support.agency import ADMIN, Signer, apply_id_card

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
FEED = "/agency-api/v1/applications"


def test_the_worked_examples_in_the_docs() -> None:
    """docs/agency-integration.md walks through exactly these values."""
    assert canonical_request(
        "GET", "/agency-api/v1/applications", "limit=2&after=0", "1767225600", "n0nce-0001", b""
    ) == (
        b"GET\n/agency-api/v1/applications\nafter=0&limit=2\n1767225600\nn0nce-0001\n"
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert sign_request(
        "as_example-secret", "GET", "/agency-api/v1/applications", "limit=2&after=0",
        "1767225600", "n0nce-0001", b"",
    ) == "e002ed38c8c53fa8e9a57b4fef27998391b128bb63333b25c86b255a4663b45d"  # fmt: skip
    body = b'{"status":"received","message":{"en":"Received"}}'
    assert canonical_request(
        "POST", "/agency-api/v1/applications/42/status", "", "1767225600", "n0nce-0002", body
    ).endswith(b"\nd611f2ff1c7af6bb99fc6f9c4e2e19faf3d8993fc8d5892e2dcb866fa24fcffd")
    assert sign_request(
        "as_example-secret", "POST", "/agency-api/v1/applications/42/status", "",
        "1767225600", "n0nce-0002", body,
    ) == "a0060760134012ef7c1290f58fda7a6ba0c157d100c90435a1165c44b11ab2bf"  # fmt: skip
    assert sign_webhook("whsec_example", "1767225600", b'{"id":"evt_1"}') == (
        "v1=66767d6306a1173a1e9c6a7f1a0ffa2b9f613e44c1a02c71704222e753465204"
    )


async def test_a_signed_request_is_accepted(client: Client, dopa: Signer) -> None:
    response = await dopa.request(client, "GET", FEED, params={"after": 0, "limit": 5})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next": 0}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "missing", ["X-Portal-Key", "X-Portal-Timestamp", "X-Portal-Nonce", "X-Portal-Signature"]
)
async def test_a_missing_header_is_signature_missing(
    client: Client, dopa: Signer, missing: str
) -> None:
    headers = dopa.headers("GET", FEED)
    del headers[missing]
    response = await client.get(FEED, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"


async def test_no_headers_at_all(client: Client) -> None:
    response = await client.get(FEED)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "signature_missing"
    assert body["message_th"] and "X-Portal-Signature" in body["message"]


@pytest.mark.parametrize("offset", [-301, 301, -3600])
async def test_a_stale_or_future_timestamp_is_timestamp_skew(
    client: Client, dopa: Signer, offset: int
) -> None:
    response = await dopa.request(client, "GET", FEED, timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert response.json()["code"] == "timestamp_skew"


async def test_a_timestamp_within_the_window_is_fine(client: Client, dopa: Signer) -> None:
    response = await dopa.request(client, "GET", FEED, timestamp=int(time.time()) - 280)
    assert response.status_code == 200


async def test_an_unknown_key_is_refused(client: Client, dopa: Signer) -> None:
    stranger = Signer("ak_doesnotexist", dopa.secret)
    response = await stranger.request(client, "GET", FEED)
    assert response.status_code == 401
    assert response.json()["code"] == "unknown_key"


async def test_a_wrong_secret_is_bad_signature(client: Client, dopa: Signer) -> None:
    response = await Signer(dopa.key_id, "as_guess").request(client, "GET", FEED)
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"


async def test_a_tampered_body_query_or_method_is_bad_signature(
    client: Client, dopa: Signer, citizen: Any
) -> None:
    app_id = await apply_id_card(client)
    path = f"{FEED}/{app_id}/status"
    signed = dopa.headers("POST", path, "", b'{"status":"received"}')
    response = await client.post(
        path,
        content=b'{"status":"rejected","message":{"en":"no"}}',
        headers={**signed, "Idempotency-Key": "k" * 10, "Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"

    signed = dopa.headers("GET", FEED, "after=0")
    response = await client.get(f"{FEED}?after=5", headers=signed)
    assert response.json()["code"] == "bad_signature"

    response = await client.get(
        f"{FEED}/{app_id}", headers=dopa.headers("POST", f"{FEED}/{app_id}")
    )
    assert response.json()["code"] == "bad_signature"
    other_path = dopa.headers("GET", f"{FEED}/{app_id + 1}")
    response = await client.get(f"{FEED}/{app_id}", headers=other_path)
    assert response.json()["code"] == "bad_signature"


async def test_query_pairs_are_signed_in_sorted_order(client: Client, dopa: Signer) -> None:
    signed = dopa.headers("GET", FEED, "after=0&limit=3")
    response = await client.get(f"{FEED}?limit=3&after=0", headers=signed)
    assert response.status_code == 200, response.text


async def test_a_replayed_signature_is_refused(client: Client, dopa: Signer) -> None:
    headers = dopa.headers("GET", FEED)
    first = await client.get(FEED, headers=headers)
    assert first.status_code == 200
    again = await client.get(FEED, headers=headers)
    assert again.status_code == 401
    assert again.json()["code"] == "signature_replayed"


async def test_a_replay_to_another_app_process_is_refused(
    client: Client, make_client: Any, dopa: Signer
) -> None:
    headers = dopa.headers("GET", FEED)
    async with make_client() as other:
        results = await asyncio.gather(
            client.get(FEED, headers=headers), other.get(FEED, headers=headers)
        )
    assert sorted(r.status_code for r in results) == [200, 401]


async def test_a_revoked_key_is_refused(client: Client, dopa: Signer) -> None:
    assert (await dopa.request(client, "GET", FEED)).status_code == 200
    await revoke_credential(ADMIN, "DOPA", dopa.key_id)
    response = await dopa.request(client, "GET", FEED)
    assert response.status_code == 401
    assert response.json()["code"] == "key_revoked"


async def test_a_key_changed_by_another_process_counts_at_once(
    client: Client, dopa: Signer, settings: Settings
) -> None:
    """An app process keeps the credentials it has read (PostgreSQL: a round trip less per
    request), but each request reads the row again: a secret sealed anew by another process,
    or the row gone, is judged at once (a revocation: the tests above)."""
    assert (await dopa.request(client, "GET", FEED)).status_code == 200
    other = Signer(dopa.key_id, "as_another-secret-0123456789")
    await AgencyCredential.update(
        {
            AgencyCredential.secret_encrypted: secret_box(settings).seal(
                other.secret, bound_to=dopa.key_id
            )
        }
    ).where(AgencyCredential.key_id == dopa.key_id)
    old = await dopa.request(client, "GET", FEED)
    assert (old.status_code, old.json()["code"]) == (401, "bad_signature")
    assert (await other.request(client, "GET", FEED)).status_code == 200
    await AgencyCredential.delete().where(AgencyCredential.key_id == dopa.key_id)
    gone = await other.request(client, "GET", FEED)
    assert (gone.status_code, gone.json()["code"]) == (401, "unknown_key")


async def test_rotation_keeps_the_old_key_for_the_grace_period(
    client: Client, dopa: Signer, settings: Settings
) -> None:
    new = await rotate_credential(
        ADMIN, "DOPA", dopa.key_id, dt.timedelta(hours=1), settings=settings
    )
    fresh = Signer(new.key_id, new.secret)
    assert (await dopa.request(client, "GET", FEED)).status_code == 200
    assert (await fresh.request(client, "GET", FEED)).status_code == 200
    # The grace period ends: the old key is refused, the new one goes on.
    await AgencyCredential.update(
        {AgencyCredential.revoked_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(AgencyCredential.key_id == dopa.key_id)
    assert (await dopa.request(client, "GET", FEED)).json()["code"] == "key_revoked"
    assert (await fresh.request(client, "GET", FEED)).status_code == 200


async def test_secrets_are_not_stored_in_clear(dopa: Signer) -> None:
    row = await AgencyCredential.select().where(AgencyCredential.key_id == dopa.key_id).first()
    assert row is not None
    assert dopa.secret not in str(row)


async def test_the_rate_limit_is_per_credential(
    client: Client, dopa: Signer, nhso: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.agency_api import guard
    from backend.system.ratelimit import Limit

    monkeypatch.setattr(guard.Limits, "REQUESTS", Limit("agency_api", 3, 60))
    codes = [(await dopa.request(client, "GET", FEED)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert (await nhso.request(client, "GET", FEED)).status_code == 200


async def test_an_id_too_large_for_the_database_is_400_not_500(
    client: Client, dopa: Signer
) -> None:
    """Found by schemathesis: a 22-digit id overflowed the database driver."""
    response = await dopa.request(client, "GET", f"{FEED}/4222026527460658511872")
    assert response.status_code == 400
    assert response.json()["code"] == "value_out_of_range"
    citizen_api = await client.get("/api/v1/applications/4222026527460658511872")
    assert citizen_api.status_code in {400, 401}
