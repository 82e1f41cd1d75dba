"""Write to and read the audit log. Called inside the same transaction as the change it
records, so an action and its audit entry exist together or not at all."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from backend.system.tables import AuditEntry

__all__ = ["Actor", "record"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an account with its role, from an address, maybe at a kiosk."""

    account_id: int | None
    role: str
    ip: str = ""
    kiosk_id: int | None = None


ANONYMOUS = Actor(account_id=None, role="")


async def record(
    action: str,
    actor: Actor,
    *,
    subject_account_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> None:
    await AuditEntry.insert(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            action=action,
            actor_account_id=actor.account_id,
            actor_role=actor.role,
            subject_account_id=subject_account_id,
            object_type=object_type,
            object_id=str(object_id),
            kiosk_id=actor.kiosk_id,
            ip=actor.ip,
            detail=json.dumps(detail or {}, ensure_ascii=False),
        )
    )
