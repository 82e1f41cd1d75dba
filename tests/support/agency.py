"""Sign agency API requests in tests, as an agency's system would."""

from __future__ import annotations

import json as jsonlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from backend.agency_api.signing import sign_request

__all__ = ["Signer"]


@dataclass(frozen=True)
class Signer:
    key_id: str
    secret: str

    def headers(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes = b"",
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(12)
        return {
            "X-Portal-Key": self.key_id,
            "X-Portal-Timestamp": stamp,
            "X-Portal-Nonce": nonce,
            "X-Portal-Signature": sign_request(
                self.secret, method, path, query, stamp, nonce, body
            ),
        }

    async def request(
        self,
        client: Any,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Any:
        """Send a signed request with `client` (an AsyncTestClient or httpx.AsyncClient);
        `overrides` go to `headers()` (timestamp, nonce)."""
        query = urlencode(params or {})
        body = b"" if json is None else jsonlib.dumps(json).encode()
        signed = self.headers(method, path, query, body, **overrides)
        if body:
            signed["Content-Type"] = "application/json"
        url = f"{path}?{query}" if query else path
        return await client.request(
            method, url, content=body, headers={**signed, **(headers or {})}
        )
