"""A real OpenID Connect provider on loopback, standing in for the national digital ID
(ThaiD): discovery, authorization endpoint (consents at once for `person`, or answers
`access_denied`), token endpoint (client secret, single-use codes, PKCE S256 checked) and
JWKS, ID tokens signed RS256 with joserfc. Knobs make it misbehave the ways a test needs:
claims overridden (nonce, aud, exp), a tampered signature, keys rotated."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "OidcProvider", "running_provider"]

CLIENT_ID = "citizen-portal"
CLIENT_SECRET = "s3cret-of-the-portal"


def _key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4)})


@cache
def _first_key() -> RSAKey:
    """The key a provider starts with: made once per process (a 2048-bit key takes ~0.1 s);
    `rotate` makes new ones."""
    return _key()


@dataclass
class OidcProvider:
    issuer: str = ""
    person: dict[str, Any] = field(default_factory=lambda: {"pid": "", "name": ""})
    deny: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    """Claims put into the next ID tokens as they are (e.g. a wrong `nonce`)."""
    tamper: bool = False
    keys: list[RSAKey] = field(default_factory=lambda: [_first_key()])
    """The first signs; all are published."""
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    """Method and path of every request, in order."""
    server: ThreadingHTTPServer | None = None

    def reset(self, person: dict[str, Any]) -> None:
        """As a provider just started for `person`, on the same address (a test's own
        provider, without a server and an app for each test)."""
        self.person = dict(person)
        self.deny, self.tamper = False, False
        self.overrides, self.codes, self.requests = {}, {}, []  # new: a test may hold the old
        self.keys = [_first_key()]
        if self.server is None:
            _serve(self, int(urlsplit(self.issuer).port or 0))

    def stop(self) -> None:
        """The provider goes away: its port refuses connections from now on."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def rotate(self) -> None:
        """A new signing key; the old one is withdrawn from the JWKS."""
        self.keys = [_key()]

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "claims_supported": ["sub", "name", "pid"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser is sent back to."""
        target = query["redirect_uri"]
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return f"{target}?{urlencode({'error': 'invalid_request', 'state': query['state']})}"
        if self.deny:
            return f"{target}?{urlencode({'error': 'access_denied', 'state': query['state']})}"
        assert query.get("code_challenge_method") == "S256", "the portal must use PKCE S256"
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**query, "person": dict(self.person)}
        return f"{target}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "sub-" + str(grant["person"].get("pid", "")),
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": grant.get("nonce", ""),
            **grant["person"],
            **self.overrides,
        }
        key = self.keys[0]
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if self.tamper:
            head, body, signature = id_token.split(".")
            flipped = "A" if signature[5] != "A" else "B"
            id_token = ".".join([head, body, signature[:5] + flipped + signature[6:]])
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.keys]}


def _handler(provider: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            provider.requests.append(f"GET {url.path}")
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            provider.requests.append(f"POST {url.path}")
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if url.path != "/token":
                self._json(404, {"error": "not_found"})
                return
            status, body = provider.token(form, self.headers.get("Authorization", ""))
            self._json(status, body)

    return Handler


def _serve(provider: OidcProvider, port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    provider.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()


@contextmanager
def running_provider(person: dict[str, Any] | None = None) -> Iterator[OidcProvider]:
    provider = OidcProvider()
    if person:
        provider.person = person
    _serve(provider, 0)
    try:
        yield provider
    finally:
        provider.stop()
