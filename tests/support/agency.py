"""An agency's system in tests: signed requests, credentials, status changes."""

from __future__ import annotations

import json as jsonlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.credentials import create_credential
from backend.agency_api.signing import sign_request
from backend.settings import Settings
from backend.system.audit import Actor
from tests.support.applications import id_card_answers, upload
from tests.support.flows import csrf

__all__ = [
    "ADMIN",
    "Signer",
    "apply_id_card",
    "dopa",
    "msgspec_replace",
    "nhso",
    "signer_for",
    "status",
]

Client = AsyncTestClient[Any]


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


ADMIN = Actor(account_id=None, role="test")


def msgspec_replace(settings: Settings, **changes: Any) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, **changes)


async def signer_for(agency: str, settings: Settings) -> Signer:
    new = await create_credential(ADMIN, agency, "test", settings=settings)
    return Signer(new.key_id, new.secret)


@pytest.fixture
async def dopa(db: Any, settings: Settings) -> Signer:
    """DOPA's system (its ID card replacement has a fixed fee of 100 baht, payable by QR)."""
    return await signer_for("DOPA", settings)


@pytest.fixture
async def nhso(db: Any, settings: Settings) -> Signer:
    """Another agency's system."""
    return await signer_for("NHSO", settings)


async def apply_id_card(client: Client, *, document: bool = False, submit: bool = True) -> int:
    """A DOPA application by the signed-in citizen of `client`; its id."""
    doc = await upload(client, "police_report") if document else None
    response = await client.post(
        "/api/v1/applications",
        json={"service": "id-card-replacement", "answers": id_card_answers(doc), "submit": submit},
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def status(
    client: Client, signer: Signer, app_id: int, body: dict[str, Any], key: str = ""
) -> Any:
    return await signer.request(
        client,
        "POST",
        f"/agency-api/v1/applications/{app_id}/status",
        json=body,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )
