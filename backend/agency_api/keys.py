"""Agency secrets at rest: encrypted, because HMAC verification needs the secret itself.

A password is stored as a one-way hash because the server only ever compares what the user
types. An HMAC secret is different: to check a signature the server must compute the same
HMAC, so it needs the secret, and a hash (peppered or not) of it is useless. The choices are
to keep the secret encrypted under a key that is not in the database, or to hand the agency a
key derived from a server master key (HMAC(master, key_id)) and store nothing. Derivation
makes rotating the master key rotate every agency's secret at once; encryption lets the
master key be rotated by re-encrypting rows, so this module encrypts:

- the master key comes from AGENCY_SECRET_KEY, or is generated once into
  VAR_DIR/agency_secret.key (mode 0600), like the VAPID key. Either may list several keys
  (separated by commas or new lines): the first seals, every one opens, which is how the
  master key is rotated without a moment when a secret cannot be read (`rotation.py`);
- each secret is sealed with AES-256-GCM, a fresh 96-bit nonce, and its key id as
  associated data, so a ciphertext copied onto another credential's row does not decrypt;
- a stolen database alone (a backup, an SQL injection) reveals no usable secret.
"""

from __future__ import annotations

import binascii
import functools
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.lib import keyfile
from backend.lib.keyfile import (
    KEY_BYTES,
    KeyMaterialError,
    b64url,
    new_key,
    read_keys,
    var_path,
)

if TYPE_CHECKING:
    from backend.settings import Settings

__all__ = [
    "KEY_FILE",
    "SecretBox",
    "SecretKeyError",
    "b64url",
    "decode_keys",
    "key_file",
    "new_key",
    "new_token",
    "secret_box",
]

KEY_FILE = "agency_secret.key"
NONCE_BYTES = 12


class SecretKeyError(RuntimeError):
    """AGENCY_SECRET_KEY (or the key file) is malformed, or a secret does not decrypt with
    it (the key changed since the secret was stored)."""


def new_token(prefix: str, nbytes: int) -> str:
    """A random printable token such as `ak_…` or `as_…`."""
    return prefix + b64url(secrets.token_bytes(nbytes))


class SecretBox:
    """Seals secrets under the first master key; opens them with any of the keys."""

    def __init__(self, key: bytes, *older: bytes) -> None:
        for each in (key, *older):
            if len(each) != KEY_BYTES:
                raise SecretKeyError(f"the agency secret key must be {KEY_BYTES} bytes")
        self._sealing = AESGCM(key)
        self._opening = [self._sealing, *(AESGCM(each) for each in older)]
        self.key_count = 1 + len(older)

    def seal(self, secret: str, *, bound_to: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._sealing.encrypt(nonce, secret.encode(), bound_to.encode())
        return b64url(nonce + sealed)

    def open(self, sealed: str, *, bound_to: str) -> str:
        try:
            raw = keyfile.b64url_decode(sealed)
        except (binascii.Error, ValueError) as exc:
            raise SecretKeyError("a stored agency secret is not base64url") from exc
        for aead in self._opening:
            try:
                plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], bound_to.encode())
            except (InvalidTag, ValueError):
                continue
            return plain.decode()
        raise SecretKeyError("a stored agency secret does not decrypt: AGENCY_SECRET_KEY changed?")


def decode_keys(text: str, source: str) -> list[bytes]:
    """The keys listed in `text` (base64url, separated by commas or white space)."""
    try:
        return keyfile.decode_keys(text, source)
    except KeyMaterialError as exc:
        raise SecretKeyError(str(exc)) from exc


def key_file(settings: Settings) -> Path:
    return var_path(settings.var_dir, KEY_FILE)


def secret_box(settings: Settings) -> SecretBox:
    """The box for the configured master key(s). AGENCY_SECRET_KEY is read once per
    process; the key file again whenever it changed (a rotation by another process)."""
    try:
        keys = read_keys(settings.agency_secret_key, "AGENCY_SECRET_KEY", key_file(settings))
    except KeyMaterialError as exc:
        raise SecretKeyError(str(exc)) from exc
    return _box(keys)


@functools.cache
def _box(keys: tuple[bytes, ...]) -> SecretBox:
    return SecretBox(*keys)
