"""Proves SoftAuthenticator interoperates with real py_webauthn verification (no app, no DB)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from .authenticator import AuthenticatorError, SoftAuthenticator, b64url, b64url_decode

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"
USER_ID = b"citizen-0001-handle"


def _reg_options(exclude: list[bytes] | None = None, user_id: bytes = USER_ID) -> tuple[bytes, str]:
    opts = generate_registration_options(
        rp_id=RP_ID,
        rp_name="Citizen Portal",
        user_id=user_id,
        user_name="somchai@example.org",
        user_display_name="Somchai",
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in exclude or []],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    return opts.challenge, options_to_json(opts)


def _auth_options(allow: list[bytes] | None = None) -> tuple[bytes, str]:
    opts = generate_authentication_options(
        rp_id=RP_ID,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in allow or []],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return opts.challenge, options_to_json(opts)


def _verify_reg(credential: dict[str, Any], challenge: bytes) -> VerifiedRegistration:
    return verify_registration_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )


def _verify_auth(
    credential: dict[str, Any], challenge: bytes, reg: VerifiedRegistration, current: int = 0
) -> int:
    return verify_authentication_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=reg.credential_public_key,
        credential_current_sign_count=current,
        require_user_verification=True,
    ).new_sign_count


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def registered(authenticator: SoftAuthenticator) -> VerifiedRegistration:
    challenge, options = _reg_options()
    return _verify_reg(authenticator.register(options), challenge)


def test_b64url_round_trip_without_padding() -> None:
    for n in range(8):
        data = bytes(range(250, 250 + n % 6)) + b"\xff" * n
        assert "=" not in b64url(data)
        assert b64url_decode(b64url(data)) == data
        assert b64url_decode(base64.urlsafe_b64encode(data).decode()) == data


def test_registration_verifies(authenticator: SoftAuthenticator) -> None:
    challenge, options = _reg_options()
    response = authenticator.register(options)
    verified = _verify_reg(response, challenge)

    [stored] = authenticator.credentials
    assert verified.credential_id == stored.credential_id == b64url_decode(response["rawId"])
    assert 16 <= len(stored.credential_id) <= 32
    assert verified.credential_public_key == stored.cose_public_key
    assert verified.sign_count == 0
    assert verified.user_verified is True
    assert verified.fmt == "none"
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"
    assert verified.credential_device_type == CredentialDeviceType.SINGLE_DEVICE
    assert stored.user_handle == USER_ID
    assert stored.rp_id == RP_ID
    assert response["response"]["transports"] == ["internal"]
    assert response["authenticatorAttachment"] == "platform"


def test_registration_accepts_parsed_dict_options(authenticator: SoftAuthenticator) -> None:
    challenge, options = _reg_options()
    _verify_reg(authenticator.register(json.loads(options)), challenge)


def test_backup_eligible_reports_synced_passkey() -> None:
    authenticator = SoftAuthenticator(backup_eligible=True)
    challenge, options = _reg_options()
    verified = _verify_reg(authenticator.register(options), challenge)
    assert verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert verified.credential_backed_up is True


def test_authentication_round_trip(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    challenge, options = _auth_options(allow=[registered.credential_id])
    response = authenticator.authenticate(options)
    assert b64url_decode(response["rawId"]) == registered.credential_id
    assert _verify_auth(response, challenge, registered) == 1

    challenge, options = _auth_options(allow=[registered.credential_id])
    assert _verify_auth(authenticator.authenticate(options), challenge, registered, 1) == 2
    assert authenticator.credentials[0].sign_count == 2


def test_usernameless_authentication_returns_user_handle(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    challenge, options = _auth_options()  # empty allowCredentials -> discoverable
    response = authenticator.authenticate(options)
    assert b64url_decode(response["response"]["userHandle"]) == USER_ID
    assert b64url_decode(response["rawId"]) == registered.credential_id
    assert _verify_auth(response, challenge, registered) == 1


def test_usernameless_picks_newest_credential_for_rp(authenticator: SoftAuthenticator) -> None:
    for user_id in (b"first-user", b"second-user"):
        _, options = _reg_options(user_id=user_id)
        authenticator.register(options)
    _, options = _auth_options()
    response = authenticator.authenticate(options)
    assert b64url_decode(response["response"]["userHandle"]) == b"second-user"


def test_same_user_handle_overwrites_resident_credential(
    authenticator: SoftAuthenticator,
) -> None:
    for _ in range(2):
        _, options = _reg_options()
        authenticator.register(options)
    assert len(authenticator.credentials) == 1


def test_no_credential_for_rp_is_refused(authenticator: SoftAuthenticator) -> None:
    _, options = _auth_options()
    with pytest.raises(AuthenticatorError):
        authenticator.authenticate(options)
    _, options = _auth_options(allow=[b"not-a-credential-we-hold"])
    with pytest.raises(AuthenticatorError):
        authenticator.authenticate(options)


def test_exclude_credentials_refused(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    _, options = _reg_options(exclude=[registered.credential_id])
    with pytest.raises(AuthenticatorError):
        authenticator.register(options)
    # A different device does not hold the credential, so it may register.
    challenge, options = _reg_options(exclude=[registered.credential_id])
    _verify_reg(SoftAuthenticator().register(options), challenge)


@pytest.mark.parametrize(
    ("kwargs", "wrong_challenge"),
    [
        ({"origin": "https://evil.example"}, False),
        ({"rp_id": "evil.example"}, False),
        ({"user_verified": False}, False),
        ({}, True),
    ],
    ids=["origin", "rp_id", "user_not_verified", "challenge"],
)
def test_registration_negative(
    authenticator: SoftAuthenticator, kwargs: dict[str, Any], wrong_challenge: bool
) -> None:
    challenge, options = _reg_options()
    response = authenticator.register(options, **kwargs)
    if wrong_challenge:
        challenge = challenge[::-1]
    with pytest.raises(InvalidRegistrationResponse):
        _verify_reg(response, challenge)


@pytest.mark.parametrize(
    ("kwargs", "wrong_challenge"),
    [
        ({"origin": "https://evil.example"}, False),
        ({"rp_id": "evil.example"}, False),
        ({"user_verified": False}, False),
        ({}, True),
    ],
    ids=["origin", "rp_id", "user_not_verified", "challenge"],
)
def test_authentication_negative(
    authenticator: SoftAuthenticator,
    registered: VerifiedRegistration,
    kwargs: dict[str, Any],
    wrong_challenge: bool,
) -> None:
    challenge, options = _auth_options(allow=[registered.credential_id])
    # credential_id forces the credential even when rp_id is forged.
    response = authenticator.authenticate(options, credential_id=registered.credential_id, **kwargs)
    if wrong_challenge:
        challenge = challenge[::-1]
    with pytest.raises(InvalidAuthenticationResponse):
        _verify_auth(response, challenge, registered)


def test_signature_from_other_credential_rejected(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    challenge, options = _auth_options()
    other = SoftAuthenticator()
    other.register(_reg_options()[1])
    # py_webauthn does not compare the credential id with anything: only the signature fails.
    with pytest.raises(InvalidAuthenticationResponse, match="signature"):
        _verify_auth(other.authenticate(options), challenge, registered)


def test_sign_count_rules_of_py_webauthn(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    cid = registered.credential_id
    # Both zero (authenticators without a counter, e.g. synced passkeys): accepted.
    challenge, options = _auth_options(allow=[cid])
    assert (
        _verify_auth(authenticator.authenticate(options, sign_count=0), challenge, registered) == 0
    )
    # Stored counter > 0 and response 0: rejected, so the server must persist what it got.
    challenge, options = _auth_options(allow=[cid])
    response = authenticator.authenticate(options, sign_count=0)
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        _verify_auth(response, challenge, registered, current=3)
    # Equal non-zero (replay/clone): rejected.
    challenge, options = _auth_options(allow=[cid])
    response = authenticator.authenticate(options, sign_count=5)
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        _verify_auth(response, challenge, registered, current=5)
    # Regression: rejected. The override did not move the authenticator's own counter.
    challenge, options = _auth_options(allow=[cid])
    response = authenticator.authenticate(options, sign_count=2)
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        _verify_auth(response, challenge, registered, current=5)
    assert authenticator.credentials[0].sign_count == 0


def test_user_handle_is_not_checked_by_py_webauthn(
    authenticator: SoftAuthenticator, registered: VerifiedRegistration
) -> None:
    challenge, options = _auth_options()
    response = authenticator.authenticate(options)
    # userHandle is outside the signed data; the server must match it to the stored owner.
    response["response"]["userHandle"] = b64url(b"someone-else")
    assert _verify_auth(response, challenge, registered) == 1


def test_padded_id_rejected_but_padded_raw_id_tolerated(
    authenticator: SoftAuthenticator,
) -> None:
    # Find a credential whose id needs padding (length not a multiple of 3).
    while True:
        challenge, options = _reg_options(user_id=b"pad-" + bytes([len(authenticator.credentials)]))
        response = authenticator.register(options)
        raw = b64url_decode(response["rawId"])
        if len(raw) % 3:
            break
    padded = base64.urlsafe_b64encode(raw).decode()
    assert padded.endswith("=")
    # id is compared as a string to the unpadded re-encoding of rawId.
    with pytest.raises(InvalidRegistrationResponse, match="id and raw_id"):
        _verify_reg({**response, "id": padded, "rawId": padded}, challenge)
    # Any other base64url value (rawId, clientDataJSON...) may carry padding.
    assert _verify_reg({**response, "rawId": padded}, challenge).credential_id == raw
