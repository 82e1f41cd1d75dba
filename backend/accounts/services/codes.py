"""One-time codes (recovery, invitation): how they are made, stored hashed and used once."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from backend.accounts import errors
from backend.accounts.services.ceremonies import Ceremony, now
from backend.accounts.tables import OneTimeCode
from backend.system.audit import record

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code read aloud or typed from paper must not be ambiguous."""


def hash_code(code: str) -> str:
    normalized = code.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalized.encode()).hexdigest()


def new_code(length: int) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


async def code_row(ceremony: Ceremony, code: str, purpose: str) -> dict[str, Any]:
    """The unused, unexpired code; any other is refused alike and audited with the reason."""
    row = (
        await OneTimeCode.select()
        .where((OneTimeCode.code_hash == hash_code(code)) & (OneTimeCode.purpose == purpose))
        .first()
    )
    if row is None:
        reason = "code_unknown"
    elif row["used_at"] is not None:
        reason = "code_used"
    elif row["expires_at"] <= now():
        reason = "code_expired"
    else:
        return row
    await record(
        f"{purpose}.failed",
        ceremony.actor,
        subject_account_id=row["account"] if row else None,
        object_type="one_time_code" if row else "",
        object_id=row["id"] if row else "",
        detail={"reason": reason},
    )
    raise errors.CodeInvalidError()


async def use_code(code_id: int) -> None:
    used = (
        await OneTimeCode.update({OneTimeCode.used_at: now()})
        .where((OneTimeCode.id == code_id) & OneTimeCode.used_at.is_null())
        .returning(OneTimeCode.id)
    )
    if not used:
        raise errors.CodeInvalidError()
