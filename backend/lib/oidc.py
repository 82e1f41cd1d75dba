"""An OpenID Connect relying party: the authorization code flow with PKCE, `state` and
`nonce`, the provider found by discovery, the ID token checked against its JWKS.

The authorization request is built by authlib (grant URI, S256 code challenge) and the ID
token checked by joserfc: nothing here parses or verifies a JWT by hand.
Knows nothing of accounts: it turns a provider's answer into verified claims or an error.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

__all__ = [
    "AuthorizationRequest",
    "OidcConfig",
    "OidcError",
    "ProviderUnavailableError",
    "RelyingParty",
    "TokenRejectedError",
    "relying_party",
]

TIMEOUT_S = 5.0
METADATA_TTL_S = 3600.0
KID_REFETCH_GAP_S = 60.0
"""An unknown `kid` refetches the JWKS once (the provider rotated its keys); the same unknown
kid again within this time does not: a broken provider must not be hammered."""
CLOCK_LEEWAY_S = 60
SAFE_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
"""Asymmetric only: never `none`, never an HMAC keyed with the client secret."""


class OidcError(Exception):
    """The flow failed; `reason` is a short code for the audit log (never a claim value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailableError(OidcError):
    """The provider did not answer, or answered nonsense: try again later."""


class TokenRejectedError(OidcError):
    """The provider's answer does not prove who the person is."""


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid profile"


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the browser, and what must come back to match it."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(slots=True)
class RelyingParty:
    config: OidcConfig
    _metadata: dict[str, Any] | None = None
    _metadata_at: float = 0.0
    _keys: KeySet | None = None
    _refetched: dict[str, float] = field(default_factory=dict)

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, cached for an hour."""
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_S:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = await _get_json(url)
            if document.get("issuer") != self.config.issuer:
                raise ProviderUnavailableError("issuer_mismatch")
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(document.get(key), str):
                    raise ProviderUnavailableError("discovery_incomplete")
            self._metadata, self._metadata_at = document, time.monotonic()
        return self._metadata

    async def authorization_request(self) -> AuthorizationRequest:
        meta = await self.metadata()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        url = prepare_grant_uri(
            meta["authorization_endpoint"],
            client_id=self.config.client_id,
            response_type="code",
            redirect_uri=self.config.redirect_uri,
            scope=self.config.scope,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return AuthorizationRequest(str(url), state, nonce, verifier)

    async def redeem(self, code: str, *, code_verifier: str, nonce: str) -> dict[str, Any]:
        """Exchange the code for tokens and return the ID token's verified claims."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": code_verifier,
        }
        import httpx  # on first use: it loads its command line's libraries too (0.3 s a start)

        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                response = await client.post(
                    meta["token_endpoint"],
                    data=form,
                    auth=(self.config.client_id, self.config.client_secret),
                    headers={"Accept": "application/json"},
                )
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailableError("token_endpoint") from exc
        if response.status_code >= 500 or not isinstance(token, dict):
            raise ProviderUnavailableError(f"token_endpoint:{response.status_code}")
        if response.status_code != 200:  # the code refused: used, expired, wrong PKCE
            raise TokenRejectedError(f"token_refused:{str(token.get('error'))[:40]}")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenRejectedError("no_id_token")
        return await self.verify_id_token(id_token, nonce=nonce)

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Signature by a key of the provider's JWKS (refetched once on an unknown `kid`),
        then `iss`, `aud` (and `azp`), `exp`, `iat` and `nonce`."""
        meta = await self.metadata()
        algorithms = [
            a
            for a in meta.get("id_token_signing_alg_values_supported", ["RS256"])
            if a in SAFE_ALGORITHMS
        ] or ["RS256"]
        keys = await self._keyset(meta)
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=algorithms)
            except InvalidKeyIdError:
                kid = str(jws.extract_compact(id_token.encode()).headers().get("kid"))
                last = self._refetched.get(kid)
                if last is not None and time.monotonic() - last < KID_REFETCH_GAP_S:
                    raise
                self._refetched[kid] = time.monotonic()
                self._keys = None
                keys = await self._keyset(meta)
                token = jwt.decode(id_token, keys, algorithms=algorithms)
        except InvalidKeyIdError as exc:
            raise TokenRejectedError("unknown_kid") from exc
        except JoseError as exc:
            raise TokenRejectedError(f"bad_token:{exc.error}") from exc
        except ValueError as exc:  # not a JWS at all
            raise TokenRejectedError("bad_token:malformed") from exc
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_S,
            iss={"essential": True, "value": self.config.issuer},
            aud={"essential": True, "value": self.config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise TokenRejectedError(f"claim:{exc.error}:{exc.description or ''}"[:80]) from exc
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.config.client_id:
            raise TokenRejectedError("claim:azp")
        return dict(claims)

    async def _keyset(self, meta: dict[str, Any]) -> KeySet:
        if self._keys is None:
            document = await _get_json(meta["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderUnavailableError("jwks_invalid") from exc
        return self._keys


async def _get_json(url: str) -> dict[str, Any]:
    import httpx

    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailableError(f"unreachable:{urlsplit(url).path[:40]}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailableError("not_json_object")
    return document


_PARTIES: dict[OidcConfig, RelyingParty] = {}


def relying_party(config: OidcConfig) -> RelyingParty:
    """One per configuration and process, so discovery and keys are fetched once."""
    party = _PARTIES.get(config)
    if party is None:
        party = _PARTIES[config] = RelyingParty(config)
    return party
