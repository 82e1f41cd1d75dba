#!/usr/bin/env python3
"""A minimal agency system for the Citizen Portal: sign requests, pull the feed, post a
status change. Standard library + httpx only; read docs/agency-integration.md alongside.

    export PORTAL_KEY_ID=ak_…  PORTAL_SECRET=as_…      # from `portal agency-credential create`
    python examples/agency_client.py --url http://localhost:8000

It prints every application in the feed after `--after`, then moves the first one still
"submitted" to "received" with a message in Thai and English.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx


def sign(secret: str, method: str, path: str, query: str, body: bytes) -> dict[str, str]:
    """The four headers that authenticate one request (see the guide, "Signing")."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)  # never reuse one: a repeated signature is refused
    canonical = "\n".join(
        [
            method.upper(),
            path,
            "&".join(sorted(p for p in query.split("&") if p)),
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    signature = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Portal-Timestamp": timestamp,
        "X-Portal-Nonce": nonce,
        "X-Portal-Signature": signature,
    }


class PortalClient:
    def __init__(self, base_url: str, key_id: str, secret: str) -> None:
        self.key_id = key_id
        self.secret = secret
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        query = urlencode(params or {})
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        signed = {"X-Portal-Key": self.key_id, **sign(self.secret, method, path, query, raw)}
        if raw:
            signed["Content-Type"] = "application/json"
        url = f"{path}?{query}" if query else path
        response = self.http.request(
            method, url, content=raw, headers={**signed, **(headers or {})}
        )
        if response.status_code >= 400:
            error = response.json()
            raise SystemExit(
                f"{method} {path}: {response.status_code} {error['code']}: {error['message']}"
            )
        return response

    def feed(self, after: int, limit: int = 50) -> dict[str, Any]:
        """One page of new and changed applications; pass `next` back as `after`."""
        page: dict[str, Any] = self.request(
            "GET", "/agency-api/v1/applications", params={"after": after, "limit": limit}
        ).json()
        return page

    def change_status(
        self, application_id: int, status: str, th: str, en: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Retry with the same `idempotency_key` until you get an answer: the change is
        made once."""
        done: dict[str, Any] = self.request(
            "POST",
            f"/agency-api/v1/applications/{application_id}/status",
            body={"status": status, "message": {"th": th, "en": en}},
            headers={"Idempotency-Key": idempotency_key},
        ).json()
        return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8000", help="portal base URL")
    parser.add_argument("--key-id", default=os.environ.get("PORTAL_KEY_ID", ""))
    parser.add_argument("--secret", default=os.environ.get("PORTAL_SECRET", ""))
    parser.add_argument("--after", type=int, default=0, help="feed cursor to start from")
    args = parser.parse_args()
    if not (args.key_id and args.secret):
        parser.error("set PORTAL_KEY_ID and PORTAL_SECRET (or --key-id/--secret)")

    portal = PortalClient(args.url, args.key_id, args.secret)
    cursor, todo = args.after, None
    while True:
        page = portal.feed(cursor)
        for app in page["items"]:
            print(
                f"{app['change_seq']:>6}  {app['tracking_code']}  {app['status']:<10} "
                f"{app['service']}  {app['applicant']['full_name']}"
            )
            if app["status"] == "submitted" and todo is None:
                todo = app
        cursor = page["next"]
        if not page.get("more"):
            break
    print(f"feed read up to {cursor}")  # keep it: the next run starts here

    if todo is None:
        print("nothing waiting to be received")
        return 0
    done = portal.change_status(
        todo["id"],
        "received",
        "ได้รับคำขอแล้ว กำลังตรวจสอบ",
        "Received; we are checking it.",
        idempotency_key=str(uuid.uuid4()),
    )
    print(f"{todo['tracking_code']} is now {done['status']} (change {done['change_seq']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
