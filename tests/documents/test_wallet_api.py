"""The wallet over HTTP: upload by content type, list, download, relabel, delete, and who may."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.asgi import create_app
from backend.documents.services import Limits
from backend.documents.tables import Document
from backend.lib.db import current_engine
from backend.settings import Settings
from backend.system import ratelimit
from backend.system.tables import AuditEntry
from tests.support.database import ORIGIN
from tests.support.files import jpeg, pdf, png, stored_files
from tests.support.flows import csrf, enrol_citizen, enrol_staff

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def upload(
    client: Client,
    data: bytes,
    *,
    document_type: str = "id_card",
    label: str | None = None,
    content_type: str = "application/pdf",
    headers: dict[str, str] | None = None,
) -> Any:
    params = {"document_type": document_type}
    if label is not None:
        params["label"] = label
    return await client.post(
        "/api/v1/documents",
        params=params,
        content=data,
        headers={"content-type": content_type, **csrf(client), **(headers or {})},
    )


async def document_count() -> int:
    return await Document.count()


@pytest.mark.parametrize(
    ("data", "content_type", "size"),
    [
        (pdf(), "application/pdf", None),
        (png(3, 2), "image/png", (3, 2)),
        (jpeg(640, 480, exif_bytes=20_000), "image/jpeg", (640, 480)),
    ],
    ids=["pdf", "png", "jpeg"],
)
async def test_upload_list_and_download(
    client: Client,
    documents_dir: Path,
    data: bytes,
    content_type: str,
    size: tuple[int, int] | None,
) -> None:
    account = (await enrol_citizen(client))["account"]
    # The declared type is ignored: what matters is what the bytes are.
    created = await upload(
        client, data, label="บัตรประชาชน", content_type="application/octet-stream"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["document_type"] == "id_card"
    assert body["label"] == "บัตรประชาชน"
    assert body["content_type"] == content_type
    assert body["size_bytes"] == len(data)
    assert (body.get("width"), body.get("height")) == (size or (None, None))
    assert created.headers["location"] == f"/api/v1/documents/{body['id']}"

    listed = await client.get("/api/v1/documents")
    assert listed.status_code == 200
    assert listed.json() == [body]
    assert "private" in listed.headers["cache-control"]
    assert (await client.get(f"/api/v1/documents/{body['id']}")).json() == body

    content = await client.get(
        f"/api/v1/documents/{body['id']}/content", headers={"accept-encoding": "br, gzip"}
    )
    assert content.status_code == 200
    assert content.content == data
    # Sent as stored (already compressed formats), with its size for a progress bar.
    assert "content-encoding" not in content.headers
    assert content.headers["content-length"] == str(len(data))
    assert content.headers["content-type"].startswith(content_type)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    assert content.headers["content-disposition"] == (
        f'inline; filename="id_card-{body["id"]}.{extension[content_type]}"'
    )
    cache = {d.strip() for d in content.headers["cache-control"].split(",")}
    assert cache == {"private", "max-age=3600"}
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "cookie" in content.headers["vary"].lower()

    row = await Document.select().where(Document.id == body["id"]).first()
    assert row is not None
    assert row["account"] == account["id"]
    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored_files(documents_dir) == [
        documents_dir / row["storage_key"][:2] / row["storage_key"][2:4] / row["storage_key"]
    ]
    audit = await AuditEntry.select().where(AuditEntry.action == "document.uploaded").first()
    assert audit is not None
    assert audit["subject_account_id"] == account["id"]
    assert audit["actor_account_id"] == account["id"]
    assert audit["object_id"] == str(body["id"])


async def test_unchanged_content_revalidates_with_304(client: Client) -> None:
    await enrol_citizen(client)
    document_id = (await upload(client, pdf())).json()["id"]
    first = await client.get(f"/api/v1/documents/{document_id}/content")
    again = await client.get(
        f"/api/v1/documents/{document_id}/content",
        headers={"if-none-match": first.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(5000), "application/pdf"),  # .exe
        (b"<!DOCTYPE html><script>fetch('/api/v1/session')</script>", "application/pdf"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00", "image/png"),
        (b"", "application/pdf"),
    ],
    ids=["exe", "html", "gif", "empty"],
)
async def test_wrong_content_is_refused_and_nothing_kept(
    client: Client, documents_dir: Path, data: bytes, declared: str
) -> None:
    await enrol_citizen(client)
    response = await upload(client, data, content_type=declared)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_document_type"
    assert response.json()["message_th"]
    assert await document_count() == 0
    assert stored_files(documents_dir) == []


async def test_absurd_image_is_refused_and_nothing_kept(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    response = await upload(client, png(declared=(40_000, 30_000)), content_type="image/png")
    assert response.status_code == 422
    assert response.json()["code"] == "image_size_invalid"
    assert await document_count() == 0
    assert stored_files(documents_dir) == []


async def test_too_large_is_refused_and_nothing_kept(
    settings: Settings, documents_dir: Path
) -> None:
    small = msgspec.structs.replace(settings, document_max_bytes=50_000)
    app = create_app(settings=small, engine=current_engine(), pool=False)
    async with AsyncTestClient(app=app, base_url=ORIGIN) as client:
        await enrol_citizen(client)
        data = pdf() + bytes(50_001 - len(pdf()))
        response = await upload(client, data)
        assert response.status_code == 413
        assert response.json()["code"] == "document_too_large"
        assert await document_count() == 0
        assert stored_files(documents_dir) == []
        exactly = await upload(client, data[:50_000])
        assert exactly.status_code == 201, exactly.text


async def test_default_limit_is_ten_megabytes(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    big = pdf() + bytes(10 * 1024 * 1024 + 1 - len(pdf()))
    response = await upload(client, big)
    assert response.status_code == 413
    assert response.json()["code"] == "document_too_large"
    assert stored_files(documents_dir) == []


async def test_retry_with_the_same_idempotency_key_returns_the_first_document(
    client: Client, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    key = {"idempotency-key": "0b6f6a52-6a47-4d6e-9a0e-5f1c1f9d3b11"}
    first = await upload(client, png(), content_type="image/png", headers=key)
    retry = await upload(client, png(), content_type="image/png", headers=key)
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert await document_count() == 1
    assert len(stored_files(documents_dir)) == 1

    other = await upload(client, pdf(), headers=key)  # same key, other content
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert await document_count() == 1
    assert len(stored_files(documents_dir)) == 1

    fresh = await upload(client, png(), content_type="image/png")  # no key: a new document
    assert fresh.status_code == 201
    assert fresh.json()["id"] != first.json()["id"]


async def test_idempotency_keys_belong_to_one_citizen(client: Client, make_client: Any) -> None:
    await enrol_citizen(client)
    key = {"idempotency-key": "same-key-on-two-phones"}
    mine = await upload(client, pdf(), headers=key)
    async with make_client() as other:
        await enrol_citizen(other)
        theirs = await upload(other, pdf(), headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_a_retry_after_deleting_is_refused(client: Client) -> None:
    await enrol_citizen(client)
    key = {"idempotency-key": "k-123456"}
    document_id = (await upload(client, pdf(), headers=key)).json()["id"]
    await client.delete(f"/api/v1/documents/{document_id}", headers=csrf(client))
    again = await upload(client, pdf(), headers=key)
    assert again.status_code == 409
    assert (await client.get("/api/v1/documents")).json() == []


async def test_another_citizens_documents_are_not_found(
    client: Client, make_client: Any, documents_dir: Path
) -> None:
    await enrol_citizen(client)
    mine = (await upload(client, pdf("mine"), label="ของฉัน")).json()
    async with make_client() as other:
        await enrol_citizen(other)
        url = f"/api/v1/documents/{mine['id']}"
        attempts = [
            await other.get(url),
            await other.get(f"{url}/content"),
            await other.patch(url, json={"label": "hacked"}, headers=csrf(other)),
            await other.delete(url, headers=csrf(other)),
        ]
        assert [r.status_code for r in attempts] == [404, 404, 404, 404]
        assert {r.json()["code"] for r in attempts} == {"document_not_found"}
        assert (await other.get("/api/v1/documents")).json() == []
    assert (await client.get(f"/api/v1/documents/{mine['id']}")).json() == mine
    assert len(stored_files(documents_dir)) == 1


async def test_relabel(client: Client) -> None:
    await enrol_citizen(client)
    document_id = (await upload(client, pdf(), label="old")).json()["id"]
    url = f"/api/v1/documents/{document_id}"
    renamed = await client.patch(
        url, json={"label": "  สำเนาบัตร\u0000ปี 2568 "}, headers=csrf(client)
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["label"] == "สำเนาบัตร ปี 2568"  # control characters become spaces
    assert (await client.get(url)).json()["label"] == "สำเนาบัตร ปี 2568"
    too_long = await client.patch(url, json={"label": "x" * 81}, headers=csrf(client))
    assert too_long.status_code == 400
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert "document.relabelled" in actions


async def test_soft_delete_hides_from_the_wallet_only(
    client: Client, settings: Settings, documents_dir: Path
) -> None:
    from backend.documents.services import document_for_download, owned_documents

    account_id = (await enrol_citizen(client))["account"]["id"]
    data = pdf("keep me for the agency")
    document_id = (await upload(client, data)).json()["id"]
    url = f"/api/v1/documents/{document_id}"
    deleted = await client.delete(url, headers=csrf(client))
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/documents")).json() == []
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"{url}/content")).status_code == 404
    assert (await client.delete(url, headers=csrf(client))).status_code == 404
    assert (await client.patch(url, json={"label": "x"}, headers=csrf(client))).status_code == 404

    assert await owned_documents(account_id, [document_id]) == {}  # cannot be attached again
    row, chunks = await document_for_download(document_id, settings=settings)
    assert row.deleted_at is not None
    assert not row.live
    assert b"".join([c async for c in chunks]) == data
    assert len(stored_files(documents_dir)) == 1
    audit = await AuditEntry.select().where(AuditEntry.action == "document.deleted").first()
    assert audit is not None
    assert audit["subject_account_id"] == account_id


async def test_list_is_newest_first_filtered_and_paged(client: Client) -> None:
    await enrol_citizen(client)
    ids = []
    for document_type in ("id_card", "bank_book", "id_card"):
        ids.append((await upload(client, pdf(), document_type=document_type)).json()["id"])
    everything = (await client.get("/api/v1/documents")).json()
    assert [d["id"] for d in everything] == ids[::-1]
    cards = (await client.get("/api/v1/documents", params={"document_type": "id_card"})).json()
    assert [d["id"] for d in cards] == [ids[2], ids[0]]
    page = (await client.get("/api/v1/documents", params={"limit": 2})).json()
    assert [d["id"] for d in page] == [ids[2], ids[1]]
    rest = (await client.get("/api/v1/documents", params={"limit": 2, "before": ids[1]})).json()
    assert [d["id"] for d in rest] == [ids[0]]
    unknown = await client.get("/api/v1/documents", params={"document_type": "spaceship"})
    assert unknown.status_code == 422


async def test_unknown_document_type_is_refused(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    response = await upload(client, pdf(), document_type="spaceship_licence")
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_document_type"
    assert "document_type" in response.json()["fields"]
    assert await document_count() == 0
    assert stored_files(documents_dir) == []


async def test_signed_out_is_401(client: Client) -> None:
    assert (await client.get("/api/v1/documents")).status_code == 401
    response = await upload(client, pdf())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert (await client.get("/api/v1/documents/1/content")).status_code == 401


async def test_writes_need_the_csrf_header(client: Client, documents_dir: Path) -> None:
    await enrol_citizen(client)
    response = await client.post(
        "/api/v1/documents",
        params={"document_type": "id_card"},
        content=pdf(),
        headers={"content-type": "application/pdf"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert await document_count() == 0
    assert stored_files(documents_dir) == []
    document_id = (await upload(client, pdf())).json()["id"]
    url = f"/api/v1/documents/{document_id}"
    assert (await client.patch(url, json={"label": "x"})).status_code == 403
    assert (await client.delete(url)).status_code == 403
    assert (await client.get(url)).json()["label"] == ""


async def test_staff_have_no_wallet(client: Client) -> None:
    await enrol_staff(client, "operator")
    assert (await client.get("/api/v1/documents")).status_code == 403
    assert (await upload(client, pdf())).status_code == 403


async def test_uploads_are_rate_limited_per_account(
    client: Client, make_client: Any, documents_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mid-window on a frozen clock, so the 31 uploads cannot straddle an hour boundary.
    now = int(time.time())
    frozen = now - now % Limits.UPLOAD.window_s + Limits.UPLOAD.window_s // 2
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: frozen))
    await enrol_citizen(client)
    for _ in range(Limits.UPLOAD.count):
        assert (await upload(client, png(), content_type="image/png")).status_code == 201
    refused = await upload(client, png(), content_type="image/png")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0
    assert await document_count() == Limits.UPLOAD.count
    assert len(stored_files(documents_dir)) == Limits.UPLOAD.count
    async with make_client() as other:  # someone else is not affected
        await enrol_citizen(other)
        assert (await upload(other, png(), content_type="image/png")).status_code == 201


async def test_openapi_documents_the_wallet(client: Client) -> None:
    schema = json.loads((await client.get("/schema/openapi.json")).text)
    operations = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/documents")
        for op in item.values()
    }
    assert operations == {
        "uploadDocument",
        "listDocuments",
        "getDocument",
        "getDocumentContent",
        "relabelDocument",
        "deleteDocument",
        "createUpload",
        "headUpload",
        "getUpload",
        "appendUpload",
        "deleteUpload",
    }
