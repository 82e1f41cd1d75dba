"""ETags on JSON GETs: an unchanged catalog revalidates as a bodiless 304."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.lib.etag import etag_matches, weak_etag

Client = AsyncTestClient[Any]


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("path", ["/api/v1/services?limit=5", "/api/v1/agencies"])
async def test_json_get_revalidates_with_304(client: Client, path: str) -> None:
    first = await client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = await client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "cache-control" in again.headers  # the handler's caching policy survives
    assert "content-type" not in again.headers


@pytest.mark.usefixtures("db")
async def test_etag_is_the_same_whatever_the_compression(client: Client) -> None:
    path = "/api/v1/services?limit=50"
    br = await client.get(path, headers={"accept-encoding": "br"})
    gz = await client.get(path, headers={"accept-encoding": "gzip"})
    assert br.headers["content-encoding"] == "br" and gz.headers["content-encoding"] == "gzip"
    assert br.headers["etag"] == gz.headers["etag"]
    changed = await client.get(
        "/api/v1/services?limit=49", headers={"if-none-match": br.headers["etag"]}
    )
    assert changed.status_code == 200


@pytest.mark.usefixtures("db")
async def test_errors_carry_no_etag(client: Client) -> None:
    missing = await client.get("/api/v1/services/nope")
    assert missing.status_code == 404
    assert "etag" not in missing.headers


def test_if_none_match_comparison() -> None:
    tag = weak_etag(b"{}")
    assert etag_matches(tag, tag)
    assert etag_matches(f'"x", {tag.removeprefix("W/")}', tag)  # weak comparison
    assert etag_matches("*", tag)
    assert not etag_matches('"x"', tag)
    assert not etag_matches(None, tag)
