"""py_webauthn, wrapped once. Every passkey ceremony in the portal goes through here.

The library verifies signatures, origins, RP ids, flags and sign counts; it does NOT keep
challenges single-use or fresh, nor check that the credential belongs to the expected account,
nor look at `userHandle`. Callers (backend.accounts) do those, and this module names each
failure so the caller can say precisely what went wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    bytes_to_base64url,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
    WebAuthnException,
)
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

__all__ = [
    "CEREMONY_TIMEOUT_MS",
    "AuthenticationRejectedError",
    "MalformedCredentialError",
    "NewCredential",
    "RegistrationRejectedError",
    "SignCountRegressionError",
    "WebAuthnError",
    "authentication_options",
    "b64url",
    "b64url_decode",
    "credential_id_of",
    "registration_options",
    "user_handle_of",
    "verify_authentication",
    "verify_registration",
]

CEREMONY_TIMEOUT_MS = 300_000
"""What the browser is told; the server's own 5-minute challenge expiry is what counts."""


class WebAuthnError(Exception):
    """Base of the named ceremony failures; `reason` is safe to log, not to show verbatim."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedCredentialError(WebAuthnError):
    """The credential JSON, base64url or CBOR is not what a browser would send."""


class RegistrationRejectedError(WebAuthnError):
    """A well-formed registration failed a check (origin, RP id, UV, challenge …)."""


class AuthenticationRejectedError(WebAuthnError):
    """A well-formed assertion failed a check (signature, origin, RP id, UV, challenge …)."""


class SignCountRegressionError(AuthenticationRejectedError):
    """The counter went backwards: the passkey may have been cloned."""


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    multi_device: bool
    """A synced passkey (iCloud Keychain, Google Password Manager) rather than device-bound."""
    backed_up: bool
    transports: list[str]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedCredentialError("invalid base64url") from exc


def _as_dict(credential: Any) -> dict[str, Any]:
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except json.JSONDecodeError as exc:
            raise MalformedCredentialError("credential is not JSON") from exc
    if not isinstance(credential, dict):
        raise MalformedCredentialError("credential must be a JSON object")
    return credential


def credential_id_of(credential: Any) -> bytes:
    """The raw credential id, used to find the stored passkey before verifying."""
    raw = _as_dict(credential).get("rawId")
    if not isinstance(raw, str) or not raw:
        raise MalformedCredentialError("rawId missing")
    return b64url_decode(raw)


def user_handle_of(credential: Any) -> bytes | None:
    """The userHandle of an assertion. Not signed: compare it with the stored owner."""
    response = _as_dict(credential).get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle is None or handle == "":
        return None
    if not isinstance(handle, str):
        raise MalformedCredentialError("userHandle must be a string")
    return b64url_decode(handle)


def registration_options(
    *,
    rp_id: str,
    rp_name: str,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    exclude: list[bytes],
) -> tuple[dict[str, Any], bytes]:
    """Creation options as browser JSON, and the challenge to remember server-side."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            # Discoverable, so sign-in needs no username; UV, so the phone's lock protects it.
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in exclude],
    )
    return json.loads(options_to_json(options)), options.challenge


def authentication_options(*, rp_id: str, allow: list[bytes]) -> tuple[dict[str, Any], bytes]:
    """Request options; `allow` empty means username-less (discoverable credentials)."""
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in allow],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options)), options.challenge


# py_webauthn raises the same InvalidRegistrationResponse / InvalidAuthenticationResponse for
# undecodable parts ("clientDataJSON was malformed") as for failed checks. Decoding every part
# first, before verifying, tells "not what a browser sends" (400) from "a genuine credential
# that fails a check" (rejected).


def _parsed_registration(data: dict[str, Any]) -> RegistrationCredential:
    try:
        parsed = parse_registration_credential_json(data)
        parse_client_data_json(parsed.response.client_data_json)
        parse_attestation_object(parsed.response.attestation_object)
    except Exception as exc:  # the parsers raise assorted errors on hostile bytes
        raise MalformedCredentialError(f"{type(exc).__name__}: {exc}") from exc
    if bytes_to_base64url(parsed.raw_id) != parsed.id:
        raise MalformedCredentialError("id and rawId differ")
    return parsed


def _parsed_assertion(data: dict[str, Any]) -> AuthenticationCredential:
    try:
        parsed = parse_authentication_credential_json(data)
        parse_client_data_json(parsed.response.client_data_json)
        parse_authenticator_data(parsed.response.authenticator_data)
    except Exception as exc:  # the parsers raise assorted errors on hostile bytes
        raise MalformedCredentialError(f"{type(exc).__name__}: {exc}") from exc
    if bytes_to_base64url(parsed.raw_id) != parsed.id:
        raise MalformedCredentialError("id and rawId differ")
    return parsed


def verify_registration(
    credential: Any, *, challenge: bytes, rp_id: str, origin: str
) -> NewCredential:
    data = _as_dict(credential)
    parsed = _parsed_registration(data)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except InvalidRegistrationResponse as exc:
        raise RegistrationRejectedError(str(exc)) from exc
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise MalformedCredentialError(f"{type(exc).__name__}: {exc}") from exc
    response = data.get("response") or {}
    transports = response.get("transports") if isinstance(response, dict) else None
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        multi_device=verified.credential_device_type == "multi_device",
        backed_up=verified.credential_backed_up,
        transports=[t for t in transports if isinstance(t, str)][:8]
        if isinstance(transports, list)
        else [],
    )


def verify_authentication(
    credential: Any,
    *,
    challenge: bytes,
    rp_id: str,
    origin: str,
    public_key: bytes,
    sign_count: int,
) -> tuple[int, bool]:
    """Check an assertion; return (new sign count, backed up)."""
    parsed = _parsed_assertion(_as_dict(credential))
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except InvalidAuthenticationResponse as exc:
        # py_webauthn 3.0.1 rejects when (new > 0 or stored > 0) and new <= stored.
        if "sign count" in str(exc).lower():
            raise SignCountRegressionError(str(exc)) from exc
        raise AuthenticationRejectedError(str(exc)) from exc
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise MalformedCredentialError(f"{type(exc).__name__}: {exc}") from exc
    return verified.new_sign_count, verified.credential_backed_up
