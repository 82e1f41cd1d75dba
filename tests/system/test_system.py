"""Probes, headers, compression, errors: what every response promises."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.sqlite import SQLiteEngine

from backend.asgi import create_app
from backend.settings import Settings

Client = AsyncTestClient[Any]


@pytest.mark.usefixtures("db")
async def test_health_and_ready(client: Client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readyz_fails_when_the_database_is_unreachable(tmp_path: Any) -> None:
    # A SQLite path in a directory that does not exist cannot be opened.
    engine = SQLiteEngine(path=str(tmp_path / "missing" / "db.sqlite3"))
    app = create_app(Settings(var_dir=str(tmp_path), log_level="ERROR"), engine=engine)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/healthz")).status_code == 200
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.usefixtures("db")
async def test_security_headers_on_pages_and_api(client: Client) -> None:
    for path in ("/", "/sw.js", "/sw.js/"):  # as the router reads it: `/sw.js/` is the worker
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        # Frames and openers are a document's business; a worker ignores them.
        assert ("x-frame-options" in headers) == (path == "/")
    for path in ("/api/v1/agencies", "/api/v1/services/nope", "/no/such/route"):
        headers = (await client.get(path)).headers
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert headers["x-content-type-options"] == "nosniff"
        assert len(headers["x-request-id"]) >= 8


@pytest.mark.usefixtures("db")
async def test_request_id_from_a_proxy_is_kept(client: Client) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "proxy-abc-12345"})
    assert response.headers["x-request-id"] == "proxy-abc-12345"
    odd = await client.get("/healthz", headers={"x-request-id": "bad id\twith tab"})
    assert odd.headers["x-request-id"] != "bad id\twith tab"


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("encoding", ["br", "gzip"])
async def test_responses_are_compressed(client: Client, encoding: str) -> None:
    response = await client.get(
        "/api/v1/services", params={"limit": 50}, headers={"accept-encoding": encoding}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.json()["total"] >= 15  # the client decoded it


@pytest.mark.usefixtures("db")
async def test_unknown_route_and_method_are_json(client: Client) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    wrong = await client.delete("/api/v1/services")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


@pytest.mark.usefixtures("db")
async def test_openapi_document_is_served(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/services" in spec["paths"]
    assert spec["paths"]["/api/v1/services"]["get"]["operationId"] == "listServices"


@pytest.mark.usefixtures("db")
async def test_304_keeps_the_cached_pages_policy(client: Client) -> None:
    """A 304's headers overwrite the browser's cached copy: it must not bring the short JSON
    policy along (it once did, and the cached shell then refused its own scripts)."""
    first = await client.get("/")
    again = await client.get("/", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
