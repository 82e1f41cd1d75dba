"""Resumable uploads over HTTP: create, append, resume after a cut, complete into the wallet,
and every way it may go wrong leaving nothing behind (status codes, JSON, rows and files)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.documents.errors import UploadInterruptedError
from backend.documents.services import Limits, pieces, uploads
from backend.documents.storage import LocalStorage
from backend.documents.tables import Document, Upload
from backend.settings import ROOT, Settings
from backend.system.audit import Actor
from backend.system.ratelimit import Limit
from backend.system.tables import AuditEntry
from tests.support.database import Database
from tests.support.files import AsgiResult, asgi_upload, pdf, png, stored_files
from tests.support.flows import csrf, enrol_citizen

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
UPLOADS = "/api/v1/documents/uploads"
CHUNK = 64 * 1024
DATA = pdf("ทะเบียนบ้าน") + bytes(range(256)) * 1200  # ~300 KB: several chunks
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)


async def create(
    client: Client,
    length: int | str | None = len(DATA),
    *,
    key: str | None = "upload-1",
    document_type: str = "house_registration",
) -> Any:
    headers = csrf(client)
    if key is not None:
        headers["idempotency-key"] = key
    if length is not None:
        headers["upload-length"] = str(length)
    return await client.post(
        UPLOADS, params={"document_type": document_type, "label": "บ้าน"}, headers=headers
    )


async def send(client: Client, upload_id: str, offset: int | str, data: bytes) -> Any:
    return await client.patch(
        f"{UPLOADS}/{upload_id}",
        content=data,
        headers={
            **csrf(client),
            "upload-offset": str(offset),
            "content-type": "application/offset+octet-stream",
        },
    )


async def started(client: Client, length: int = len(DATA), key: str = "upload-1") -> str:
    response = await create(client, length, key=key)
    assert response.status_code == 201, response.text
    upload_id: str = response.json()["id"]
    return upload_id


async def offset_of(client: Client, upload_id: str) -> int:
    response = await client.head(f"{UPLOADS}/{upload_id}")
    assert response.status_code == 204, response.text
    return int(response.headers["upload-offset"])


async def chunks(data: bytes, size: int = CHUNK) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_file_in_pieces_becomes_one_wallet_document(
    client: Client, documents_dir: Path
) -> None:
    account = (await enrol_citizen(client))["account"]
    created = await create(client)
    assert created.status_code == 201, created.text
    body = created.json()
    upload_id = body["id"]
    assert len(upload_id) >= 22  # opaque and unguessable, not a row number
    assert body["offset"] == 0
    assert body["length"] == len(DATA)
    assert body["document"] is None
    assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.now(dt.UTC)
    assert created.headers["location"] == f"{UPLOADS}/{upload_id}"
    assert created.headers["cache-control"] == "no-store"

    head = await client.head(f"{UPLOADS}/{upload_id}")
    assert head.status_code == 204
    assert head.headers["upload-offset"] == "0"
    assert head.headers["upload-length"] == str(len(DATA))
    assert head.headers["cache-control"] == "no-store"

    first = await send(client, upload_id, 0, DATA[:100_000])
    assert first.status_code == 200, first.text
    assert first.json()["offset"] == 100_000
    assert first.json()["document"] is None
    state = await client.get(f"{UPLOADS}/{upload_id}")
    assert state.status_code == 200
    assert state.headers["cache-control"] == "no-store"
    assert state.json()["offset"] == 100_000

    last = await send(client, upload_id, 100_000, DATA[100_000:])
    assert last.status_code == 201, last.text
    done = last.json()
    assert done["offset"] == done["length"] == len(DATA)
    document = done["document"]
    assert document["document_type"] == "house_registration"
    assert document["label"] == "บ้าน"
    assert document["content_type"] == "application/pdf"
    assert document["size_bytes"] == len(DATA)
    assert last.headers["location"] == f"/api/v1/documents/{document['id']}"

    rows = await Document.select()
    assert len(rows) == 1
    assert rows[0]["account"] == account["id"]
    assert rows[0]["idempotency_key"] == "upload-1"
    assert rows[0]["sha256"] == hashlib.sha256(DATA).hexdigest()
    [path] = stored_files(documents_dir)  # the temporary file became the document
    assert path.name == rows[0]["storage_key"]
    content = await client.get(f"/api/v1/documents/{document['id']}/content")
    assert content.content == DATA
    audit = await AuditEntry.select().where(AuditEntry.action == "document.uploaded")
    assert [(a["object_id"], a["subject_account_id"]) for a in audit] == [
        (str(document["id"]), account["id"])
    ]

    # Asking again, or sending the last PATCH again, tells the outcome; nothing new is made.
    again = await client.get(f"{UPLOADS}/{upload_id}")
    assert again.json()["document"]["id"] == document["id"]
    assert await offset_of(client, upload_id) == len(DATA)
    repeated = await send(client, upload_id, 100_000, DATA[100_000:])
    assert repeated.status_code == 409
    assert repeated.json()["offset"] == len(DATA)
    assert (await send(client, upload_id, len(DATA), b"")).status_code == 200
    assert await Document.count() == 1


async def test_a_multi_megabyte_patch_never_sits_in_memory(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    total = 8 * 1024 * 1024
    upload_id = await started(client, total)
    digest = hashlib.sha256()

    async def big() -> AsyncIterator[bytes]:
        for n in range(total // CHUNK):
            chunk = (b"%PDF-1.4\n" + bytes(CHUNK))[:CHUNK] if n == 0 else bytes([n % 251]) * CHUNK
            digest.update(chunk)
            yield chunk

    tracemalloc.start()
    try:
        result = await asgi_upload(
            client,
            big(),
            method="PATCH",
            path=f"{UPLOADS}/{upload_id}",
            headers={**csrf(client), "upload-offset": "0"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == 201, result.body
    # The server holds a head for sniffing (256 KiB) and a chunk or two, never the file.
    assert peak < 1.5 * 1024 * 1024, f"peak {peak} bytes while uploading {total}"
    [row] = await Document.select(Document.sha256, Document.size_bytes)
    assert (row["sha256"], row["size_bytes"]) == (digest.hexdigest(), total)
    assert len(stored_files(documents_dir)) == 1


async def test_a_cut_connection_keeps_what_arrived(client: Client, documents_dir: Path) -> None:
    """The ASGI server tells the app the phone went away after three chunks."""
    await enrol_citizen(client)
    upload_id = await started(client)
    cut = await asgi_upload(
        client,
        chunks(DATA),
        method="PATCH",
        path=f"{UPLOADS}/{upload_id}",
        headers={**csrf(client), "upload-offset": "0"},
        disconnect_after=3,
    )
    assert cut.chunks_read == 3
    assert await offset_of(client, upload_id) == 3 * CHUNK
    [row] = await Upload.select()
    assert row["received"] == 3 * CHUNK
    assert row["locked_by"] is None  # the upload is free for the next try at once
    [part] = stored_files(documents_dir)
    assert part.stat().st_size == 3 * CHUNK

    rest = await send(client, upload_id, 3 * CHUNK, DATA[3 * CHUNK :])
    assert rest.status_code == 201, rest.text
    [document] = await Document.select()
    assert document["sha256"] == hashlib.sha256(DATA).hexdigest()


async def test_a_failing_body_keeps_what_arrived(client: Client, settings: Settings) -> None:
    """Straight at the service: any error from the body still records the bytes before it."""
    account_id = (await enrol_citizen(client))["account"]["id"]
    upload_id = await started(client)

    async def breaks() -> AsyncIterator[bytes]:
        yield DATA[:CHUNK]
        yield DATA[CHUNK : 2 * CHUNK]
        raise RuntimeError("the proxy dropped us")

    actor = Actor(account_id=account_id, role="citizen")
    with pytest.raises(RuntimeError):
        await pieces.append(account_id, upload_id, 0, breaks(), actor=actor, settings=settings)
    [row] = await Upload.select()
    assert (row["received"], row["locked_by"]) == (2 * CHUNK, None)

    async def interrupted() -> AsyncIterator[bytes]:
        yield DATA[2 * CHUNK : 3 * CHUNK]
        raise UploadInterruptedError()

    state, completed = await pieces.append(
        account_id, upload_id, 2 * CHUNK, interrupted(), actor=actor, settings=settings
    )
    assert (state.offset, completed) == (3 * CHUNK, False)


async def test_the_offset_must_be_the_servers(client: Client) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    assert (await send(client, upload_id, 0, DATA[:1000])).status_code == 200
    for wrong in (0, 999, 1001, 10**15):
        refused = await send(client, upload_id, wrong, DATA[1000:2000])
        assert refused.status_code == 409
        body = refused.json()
        assert body["code"] == "upload_offset_mismatch"
        assert body["offset"] == 1000
        assert body["message"] and body["message_th"]
        assert refused.headers["upload-offset"] == "1000"
    assert await offset_of(client, upload_id) == 1000


async def test_creating_again_with_the_key_resumes(client: Client) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    await send(client, upload_id, 0, DATA[:5000])
    again = await create(client)
    assert again.status_code == 200
    assert again.json()["id"] == upload_id
    assert again.json()["offset"] == 5000
    assert again.headers["location"] == f"{UPLOADS}/{upload_id}"
    for other in (
        await create(client, len(DATA) + 1),
        await create(client, document_type="id_card"),
    ):
        assert other.status_code == 409
        assert other.json()["code"] == "idempotency_key_reused"
    assert await Upload.count() == 1


async def direct(
    client: Client,
    method: str,
    path: str,
    body: AsyncIterator[bytes] | list[bytes] | None = None,
    params: dict[str, str] | None = None,
    **headers: str,
) -> AsgiResult:
    """A request straight into the ASGI app on this event loop. The test client would serve
    it on a thread of its own while this loop waits, so requests meant to overlap (or to run
    beside an upload in progress here) go this way."""
    return await asgi_upload(
        client,
        body or [],
        method=method,
        path=path,
        params=params,
        headers={**csrf(client), **headers},
    )


async def test_racing_creates_with_one_key_make_one_upload(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    headers = {"idempotency-key": "k", "upload-length": "99"}
    first, second = await asyncio.gather(
        *(
            direct(client, "POST", UPLOADS, params={"document_type": "id_card"}, **headers)
            for _ in range(2)
        )
    )
    assert sorted([first.status, second.status]) == [200, 201]
    assert first.json()["id"] == second.json()["id"]
    assert await Upload.count() == 1
    assert len(stored_files(documents_dir)) == 1


async def test_a_key_that_already_made_a_document_answers_it(client: Client) -> None:
    await enrol_citizen(client)
    single = await client.post(
        "/api/v1/documents",
        params={"document_type": "house_registration"},
        content=DATA,
        headers={**csrf(client), "idempotency-key": "upload-1"},
    )
    assert single.status_code == 201
    answer = await create(client)
    assert answer.status_code == 200
    body = answer.json()
    assert body["document"]["id"] == single.json()["id"]
    assert body["offset"] == body["length"] == len(DATA)
    assert await offset_of(client, body["id"]) == len(DATA)
    assert (await create(client, len(DATA) - 1)).status_code == 409
    assert await Document.count() == 1


async def test_a_single_upload_with_a_completed_uploads_key_replays_it(client: Client) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    document = (await send(client, upload_id, 0, DATA)).json()["document"]
    replay = await client.post(
        "/api/v1/documents",
        params={"document_type": "house_registration"},
        content=DATA,
        headers={**csrf(client), "idempotency-key": "upload-1"},
    )
    assert replay.status_code == 200
    assert replay.json()["id"] == document["id"]
    assert await Document.count() == 1


async def test_concurrent_patches_one_writes_the_other_waits(
    client: Client, documents_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pieces, "CHECKPOINT_BYTES", CHUNK)
    await enrol_citizen(client)
    upload_id = await started(client)
    go_on = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield DATA[:CHUNK]
        yield DATA[CHUNK : 2 * CHUNK]
        await go_on.wait()
        async for chunk in chunks(DATA[2 * CHUNK :]):
            yield chunk

    url = f"{UPLOADS}/{upload_id}"
    writer = asyncio.create_task(direct(client, "PATCH", url, slow(), **{"upload-offset": "0"}))
    async with asyncio.timeout(10):
        while True:  # the writer records its progress while its request is still open
            at = (await direct(client, "HEAD", url)).headers["upload-offset"]
            if int(at) == 2 * CHUNK:
                break
            await asyncio.sleep(0.01)
    # A client back after a dropped connection is told to wait instead of sending in vain.
    head = await direct(client, "HEAD", url)
    assert 1 <= int(head.headers["retry-after"]) <= uploads.BUSY_RETRY_S
    busy = await direct(client, "PATCH", url, [DATA[int(at) :]], **{"upload-offset": at})
    assert busy.status == 409
    assert busy.json()["code"] == "upload_busy"
    assert busy.json()["offset"] == int(at)
    assert 1 <= int(busy.headers["retry-after"]) <= uploads.BUSY_RETRY_S
    assert (await direct(client, "DELETE", url)).status == 409

    go_on.set()
    result = await writer
    assert result.status == 201, result.body
    assert "retry-after" not in (await direct(client, "HEAD", url)).headers
    assert await Document.count() == 1
    assert len(stored_files(documents_dir)) == 1


async def test_racing_completions_make_one_document(client: Client) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    await send(client, upload_id, 0, DATA[:-10])
    url, last = f"{UPLOADS}/{upload_id}", str(len(DATA) - 10)
    results = await asyncio.gather(
        *(direct(client, "PATCH", url, [DATA[-10:]], **{"upload-offset": last}) for _ in range(2))
    )
    assert sorted(r.status for r in results) == [201, 409]
    assert await Document.count() == 1
    assert await Upload.count() == 1


async def test_a_stalled_body_ends_its_patch(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phone out of coverage rarely closes its connection: silence ends the PATCH."""
    monkeypatch.setattr(pieces, "STALL_S", 0.2)
    await enrol_citizen(client)
    upload_id = await started(client)

    async def stalls() -> AsyncIterator[bytes]:
        yield DATA[:CHUNK]
        await asyncio.sleep(3600)
        yield b""  # pragma: no cover

    async with asyncio.timeout(5):
        result = await asgi_upload(
            client,
            stalls(),
            method="PATCH",
            path=f"{UPLOADS}/{upload_id}",
            headers={**csrf(client), "upload-offset": "0"},
        )
    assert result.status == 200
    assert result.json()["offset"] == CHUNK
    assert (await send(client, upload_id, CHUNK, DATA[CHUNK:])).status_code == 201


async def test_an_unsupported_type_is_refused_at_the_first_bytes(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    upload_id = await started(client, 1_000_000)
    refused = await asgi_upload(
        client,
        chunks(EXE + bytes(1_000_000 - len(EXE))),
        method="PATCH",
        path=f"{UPLOADS}/{upload_id}",
        headers={**csrf(client), "upload-offset": "0", "content-type": "application/pdf"},
    )
    assert refused.status == 415
    assert refused.json()["code"] == "unsupported_document_type"
    assert refused.chunks_read == 1  # not a byte more was read
    assert await Upload.count() == 0
    assert stored_files(documents_dir) == []
    assert (await client.head(f"{UPLOADS}/{upload_id}")).status_code == 404


async def test_the_type_is_checked_across_patches(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    upload_id = await started(client, len(EXE), key="exe")
    assert (await send(client, upload_id, 0, EXE[:3])).json()["offset"] == 3  # can't tell yet
    refused = await send(client, upload_id, 3, EXE[3:])
    assert refused.status_code == 415
    assert await Upload.count() == 0
    assert stored_files(documents_dir) == []


async def test_an_absurd_image_is_refused_on_completion(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    bomb = png(3, 2, declared=(50_000, 50_000))
    upload_id = await started(client, len(bomb), key="bomb")
    refused = await send(client, upload_id, 0, bomb)
    assert refused.status_code == 422
    assert refused.json()["code"] == "image_size_invalid"
    assert await Upload.count() == 0
    assert await Document.count() == 0
    assert stored_files(documents_dir) == []


async def test_too_large(client: Client, settings: Settings, documents_dir: Path) -> None:
    await enrol_citizen(client)
    refused = await create(client, settings.document_max_bytes + 1)
    assert refused.status_code == 413
    assert refused.json()["code"] == "document_too_large"
    assert await Upload.count() == 0
    assert stored_files(documents_dir) == []
    assert (await create(client, settings.document_max_bytes, key="max")).status_code == 201


async def test_bytes_past_the_length_are_refused(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    upload_id = await started(client, 200_000)
    # Content-Length shows it: refused before a byte is read.
    early = await send(client, upload_id, 0, DATA[:200_001])
    assert early.status_code == 413
    assert (early.json()["code"], early.json()["offset"]) == ("upload_length_exceeded", 0)
    assert await offset_of(client, upload_id) == 0
    # Streamed without a length: nothing past the declared length is kept.
    late = await asgi_upload(
        client,
        chunks(DATA),
        method="PATCH",
        path=f"{UPLOADS}/{upload_id}",
        headers={**csrf(client), "upload-offset": "0"},
    )
    assert late.status == 413
    assert late.json()["offset"] == 200_000
    [part] = stored_files(documents_dir)
    assert part.stat().st_size == 200_000
    # All its bytes are in: an empty PATCH at the end completes it.
    done = await send(client, upload_id, 200_000, b"")
    assert done.status_code == 201
    assert done.json()["document"]["size_bytes"] == 200_000


@pytest.mark.parametrize(
    "value", [None, "", "abc", "-1", "+5", "1.5", " 10", "0x10", "0", "9" * 25]
)
async def test_a_bad_upload_length_is_a_400(client: Client, value: str | None) -> None:
    await enrol_citizen(client)
    response = await create(client, value)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "upload_length_invalid"
    assert response.json()["message_th"]
    assert await Upload.count() == 0


@pytest.mark.parametrize("value", [None, "", "-1", "1e3", "１０", "9" * 25])
async def test_a_bad_upload_offset_is_a_400(client: Client, value: str | None) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    headers = {**csrf(client), "content-type": "application/octet-stream"}
    if value is not None:
        headers["upload-offset"] = value
    response = await client.patch(
        f"{UPLOADS}/{upload_id}",
        content=DATA[:10],
        headers={k: v.encode() for k, v in headers.items()},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "upload_offset_invalid"
    assert await offset_of(client, upload_id) == 0


async def test_the_idempotency_key_is_required(client: Client) -> None:
    await enrol_citizen(client)
    for key in (None, "", "é".encode(), "k" * 101):
        response = await client.post(
            UPLOADS,
            params={"document_type": "id_card"},
            headers={
                **csrf(client),
                "upload-length": "10",
                **({"idempotency-key": key} if key is not None else {}),
            },
        )
        assert response.status_code == 400, (key, response.text)
        assert response.json()["code"] in {"idempotency_key_invalid", "invalid_request"}
    assert (await create(client, document_type="no_such_type")).status_code == 422
    assert await Upload.count() == 0


async def test_another_citizens_upload_is_not_found(client: Client, make_client: Any) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    async with make_client() as other:
        await enrol_citizen(other)
        url = f"{UPLOADS}/{upload_id}"
        assert (await other.head(url)).status_code == 404
        got = await other.get(url)
        assert (got.status_code, got.json()["code"]) == (404, "upload_not_found")
        assert (await send(other, upload_id, 0, DATA)).status_code == 404
        assert (await other.delete(url, headers=csrf(other))).status_code == 404
        # Keys are per citizen: the same one starts the other's own upload.
        theirs = await create(other)
        assert theirs.status_code == 201
        assert theirs.json()["id"] != upload_id
    assert await offset_of(client, upload_id) == 0
    assert (await client.get(f"{UPLOADS}/not-a-real-id")).status_code == 404
    assert (await client.get(f"{UPLOADS}/{'x' * 300}")).status_code == 404


async def test_writes_need_the_csrf_header(client: Client) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    response = await client.patch(
        f"{UPLOADS}/{upload_id}", content=DATA, headers={"upload-offset": "0"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert (await client.delete(f"{UPLOADS}/{upload_id}")).status_code == 403
    assert await offset_of(client, upload_id) == 0


async def test_creating_uploads_is_rate_limited(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Limits, "UPLOAD", Limit("documents:upload", 2, 3600))
    await enrol_citizen(client)
    assert (await create(client, key="a")).status_code == 201
    assert (await create(client, key="b")).status_code == 201
    refused = await create(client, key="c")
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert (await create(client, key="a")).status_code == 200  # resuming costs nothing
    assert await Upload.count() == 2


async def test_delete_forgets_the_bytes(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    await send(client, upload_id, 0, DATA[:1000])
    deleted = await client.delete(f"{UPLOADS}/{upload_id}", headers=csrf(client))
    assert deleted.status_code == 204
    assert await Upload.count() == 0
    assert stored_files(documents_dir) == []
    assert (await client.head(f"{UPLOADS}/{upload_id}")).status_code == 404

    # A completed upload's document stays in the wallet.
    done = await started(client, key="done")
    document = (await send(client, done, 0, DATA)).json()["document"]
    assert (await client.delete(f"{UPLOADS}/{done}", headers=csrf(client))).status_code == 204
    wallet = (await client.get("/api/v1/documents")).json()
    assert [d["id"] for d in wallet] == [document["id"]]
    assert len(stored_files(documents_dir)) == 1


async def test_expired_uploads_are_gone_and_swept(
    client: Client, settings: Settings, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    upload_id = await started(client)
    await send(client, upload_id, 0, DATA[:1000])
    live_id = await started(client, key="live")
    await send(client, live_id, 0, DATA[:1000])
    single = await client.post(
        "/api/v1/documents",
        params={"document_type": "id_card"},
        content=pdf(),
        headers=csrf(client),
    )
    assert single.status_code == 201
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await Upload.update({Upload.expires_at: past}).where(Upload.token == upload_id)
    url = f"{UPLOADS}/{upload_id}"
    assert (await client.head(url)).status_code == 404
    assert (await client.get(url)).status_code == 404
    assert (await send(client, upload_id, 1000, DATA[1000:])).status_code == 404
    assert (await client.delete(url, headers=csrf(client))).status_code == 404

    # A temporary file nobody touched for over a day (a crash mid-upload), and one fresh.
    storage = LocalStorage(documents_dir)
    old, fresh = storage.temp_path_for("ab" * 16), storage.temp_path_for("cd" * 16)
    for path in (old, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))

    result = await uploads.sweep_uploads(settings)
    assert result == uploads.SweepResult(uploads=1, files=1)
    assert [r["token"] for r in await Upload.select(Upload.token)] == [live_id]
    [document] = await Document.select(Document.storage_key)
    [live] = await Upload.select(Upload.temp_key)
    assert {p.name for p in stored_files(documents_dir)} == {
        fresh.name,
        f".{live['temp_key']}.part",
        document["storage_key"],
    }
    assert await offset_of(client, live_id) == 1000

    # The key of the expired upload starts afresh.
    assert (await create(client)).status_code == 201


async def test_portal_housekeep_sweeps_expired_uploads(
    client: Client, db: Database, settings: Settings, documents_dir: Path
) -> None:
    """What every `portal worker` runs hourly, through the command."""
    await enrol_citizen(client)
    upload_id = await started(client)
    await send(client, upload_id, 0, DATA[:1000])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await Upload.update({Upload.expires_at: past}).where(Upload.token == upload_id)
    env = {**os.environ, "DATABASE_URL": db.url, "VAR_DIR": settings.var_dir}
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.cli",
        "housekeep",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await done.communicate()
    assert done.returncode == 0
    assert "document_upload: 1" in out.decode()
    assert await Upload.count() == 0
    assert stored_files(documents_dir) == []


async def test_openapi_describes_the_upload_endpoints(client: Client) -> None:
    schema = json.loads((await client.get("/schema/openapi.json")).text)
    create_op = schema["paths"][UPLOADS]["post"]
    item = schema["paths"][f"{UPLOADS}/{{upload_id}}"]
    assert set(item) >= {"head", "get", "patch", "delete"}
    for operation in (create_op, *(item[m] for m in ("head", "get", "patch", "delete"))):
        assert operation["description"] or operation["summary"]
    headers = {p["name"] for p in create_op["parameters"] if p["in"] == "header"}
    assert {"Idempotency-Key", "Upload-Length"} <= headers
    body = item["patch"]["requestBody"]["content"]["application/offset+octet-stream"]
    assert body["schema"] == {"type": "string", "format": "binary"}
