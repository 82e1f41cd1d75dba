"""A keyed hash for answers that must not tell whether something exists: e.g. made-up
passkey ids for an ID number with no account, the same each time for the same number. The
key is ID_MASK_KEY, or VAR_DIR/id_mask.key made on first use; every node shares it (else
two nodes' made-up answers differ, which tells)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from pathlib import Path

from backend.lib.keyfile import write_private
from backend.settings import Settings

__all__ = ["KEY_FILE", "mask"]

KEY_FILE = "id_mask.key"


def mask(settings: Settings, purpose: str, value: str) -> bytes:
    """32 bytes that look random and are the same for the same (purpose, value)."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(_key(settings.id_mask_key, settings.var_dir), message, hashlib.sha256).digest()


@functools.cache
def _key(configured: str, var_dir: str) -> bytes:
    if configured:
        return base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
    path = Path(var_dir).resolve() / KEY_FILE
    if not path.exists():
        write_private(path, base64.urlsafe_b64encode(secrets.token_bytes(32)), replace=False)
    return base64.urlsafe_b64decode(path.read_bytes().strip())
