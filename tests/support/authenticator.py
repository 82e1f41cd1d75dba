"""A software WebAuthn authenticator for tests: real P-256 keys, real CBOR, real signatures.

It plays both halves of the client side of a ceremony: the CTAP2 platform authenticator
(key generation, authenticatorData, signing) and the browser (clientDataJSON, the
``toJSON()`` shape of the credential). Its output is meant to be fed unmodified to the
server, which verifies it with py_webauthn exactly as it would a real passkey.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "AuthenticatorError",
    "SoftAuthenticator",
    "StoredCredential",
    "b64url",
    "b64url_decode",
]

# authenticatorData flag bits (WebAuthn L3 §6.1).
_UP, _UV, _BE, _BS, _AT = 0x01, 0x04, 0x08, 0x10, 0x40
_ES256 = -7


def b64url(data: bytes) -> str:
    """Base64url without padding, as browsers emit and py_webauthn compares (``id`` vs rawId)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s: str) -> bytes:
    """Inverse of :func:`b64url`; tolerates input that is already padded."""
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class AuthenticatorError(Exception):
    """The authenticator refused the ceremony (as navigator.credentials would reject)."""


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """Read-only snapshot of a credential held by the authenticator."""

    credential_id: bytes
    rp_id: str
    user_handle: bytes
    sign_count: int
    public_key: ec.EllipticCurvePublicKey

    @property
    def cose_public_key(self) -> bytes:
        """The COSE_Key bytes, i.e. what py_webauthn returns as ``credential_public_key``."""
        return _cose_key(self.public_key)


@dataclass(slots=True)
class _Slot:
    # Mutable internal record; the private key never leaves the authenticator.
    credential_id: bytes
    rp_id: str
    user_handle: bytes
    sign_count: int
    private_key: ec.EllipticCurvePrivateKey

    def snapshot(self) -> StoredCredential:
        return StoredCredential(
            self.credential_id,
            self.rp_id,
            self.user_handle,
            self.sign_count,
            self.private_key.public_key(),
        )


def _cose_key(public_key: ec.EllipticCurvePublicKey) -> bytes:
    nums = public_key.public_numbers()
    # EC2 / ES256 / P-256 (RFC 9053); x and y must be the full 32 bytes each.
    return cbor2.dumps(
        {1: 2, 3: _ES256, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")}
    )


def _load(options: dict[str, Any] | str) -> dict[str, Any]:
    parsed: Any = json.loads(options) if isinstance(options, str) else options
    if not isinstance(parsed, dict) or not isinstance(parsed.get("challenge"), str):
        raise AuthenticatorError("options must be a JSON object with a base64url challenge")
    return parsed


def _descriptor_ids(descriptors: Any) -> list[bytes]:
    return [b64url_decode(d["id"]) for d in descriptors or []]


class SoftAuthenticator:
    """An in-memory platform authenticator holding discoverable (resident) ES256 credentials."""

    def __init__(
        self,
        *,
        origin: str = "http://localhost:8000",
        user_verified: bool = True,
        aaguid: bytes = bytes(16),
        backup_eligible: bool = False,
    ) -> None:
        if len(aaguid) != 16:
            raise ValueError("aaguid must be exactly 16 bytes")
        self.origin = origin
        self.user_verified = user_verified
        self.aaguid = aaguid
        self.backup_eligible = backup_eligible
        self._slots: list[_Slot] = []

    @property
    def credentials(self) -> list[StoredCredential]:
        return [slot.snapshot() for slot in self._slots]

    def register(
        self,
        options: dict[str, Any] | str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.create(): returns RegistrationResponseJSON."""
        opts = _load(options)
        origin = origin or self.origin
        # rp.id is optional in the options; browsers then default it to the origin's host.
        rp_id = rp_id or opts.get("rp", {}).get("id") or urlsplit(origin).hostname or ""
        algs = [p.get("alg") for p in opts.get("pubKeyCredParams") or [{"alg": _ES256}]]
        if _ES256 not in algs:
            raise AuthenticatorError(f"no supported algorithm in pubKeyCredParams {algs}")
        excluded = set(_descriptor_ids(opts.get("excludeCredentials")))
        if any(s.rp_id == rp_id and s.credential_id in excluded for s in self._slots):
            raise AuthenticatorError("InvalidStateError: authenticator already registered")

        user_handle = b64url_decode(opts["user"]["id"])
        slot = _Slot(
            credential_id=secrets.token_bytes(16 + secrets.randbelow(17)),
            rp_id=rp_id,
            user_handle=user_handle,
            sign_count=0,
            private_key=ec.generate_private_key(ec.SECP256R1()),
        )
        # CTAP2 overwrites a resident credential for the same (rpId, user handle).
        self._slots = [s for s in self._slots if (s.rp_id, s.user_handle) != (rp_id, user_handle)]
        self._slots.append(slot)

        public_key = slot.private_key.public_key()
        cose = _cose_key(public_key)
        auth_data = (
            self._auth_data_prefix(rp_id, user_verified, _AT, sign_count=0)
            + self.aaguid
            + len(slot.credential_id).to_bytes(2, "big")
            + slot.credential_id
            + cose
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", opts["challenge"], origin)
        return {
            "id": b64url(slot.credential_id),
            "rawId": b64url(slot.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
                # Extra L3 fields Chrome's toJSON() emits; servers must tolerate them.
                "authenticatorData": b64url(auth_data),
                "publicKeyAlgorithm": _ES256,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def authenticate(
        self,
        options: dict[str, Any] | str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool | None = None,
        sign_count: int | None = None,
        credential_id: bytes | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.get(): returns AuthenticationResponseJSON.

        ``credential_id`` forces a credential regardless of rpId scoping (to forge
        cross-RP assertions); ``sign_count`` is a one-off override that leaves the stored
        counter untouched (to simulate a cloned/replayed authenticator).
        """
        opts = _load(options)
        origin = origin or self.origin
        rp_id = rp_id or opts.get("rpId") or urlsplit(origin).hostname or ""
        slot = self._select(rp_id, _descriptor_ids(opts.get("allowCredentials")), credential_id)
        if sign_count is None:
            slot.sign_count += 1
            sign_count = slot.sign_count

        auth_data = self._auth_data_prefix(rp_id, user_verified, 0, sign_count=sign_count)
        client_data = self._client_data("webauthn.get", opts["challenge"], origin)
        signature = slot.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(slot.credential_id),
            "rawId": b64url(slot.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                # Resident credentials always carry their user handle.
                "userHandle": b64url(slot.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def _select(self, rp_id: str, allowed: list[bytes], credential_id: bytes | None) -> _Slot:
        if credential_id is not None:
            found = [s for s in self._slots if s.credential_id == credential_id]
        elif allowed:
            by_id = {s.credential_id: s for s in self._slots if s.rp_id == rp_id}
            found = [by_id[c] for c in allowed if c in by_id]
        else:
            # Username-less flow: the newest discoverable credential for this RP wins.
            found = [s for s in reversed(self._slots) if s.rp_id == rp_id]
        if not found:
            raise AuthenticatorError(f"NotAllowedError: no matching credential for {rp_id!r}")
        return found[0]

    def _auth_data_prefix(
        self, rp_id: str, user_verified: bool | None, extra_flags: int, *, sign_count: int
    ) -> bytes:
        verified = self.user_verified if user_verified is None else user_verified
        flags = _UP | extra_flags | (_UV if verified else 0)
        if self.backup_eligible:
            # A synced passkey: eligible for backup and (as on real platforms) backed up.
            flags |= _BE | _BS
        rp_id_hash = hashlib.sha256(rp_id.encode("utf-8")).digest()
        return rp_id_hash + bytes([flags]) + sign_count.to_bytes(4, "big")

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        # Re-encode the challenge the way a browser does (decode to bytes, emit unpadded).
        return json.dumps(
            {
                "type": kind,
                "challenge": b64url(b64url_decode(challenge)),
                "origin": origin,
                "crossOrigin": False,
            },
            separators=(",", ":"),
        ).encode("utf-8")
