"""Write to and read the audit log. Called inside the same transaction as the change it
records, so an action and its audit entry exist together or not at all."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.metrics import metrics

__all__ = ["Actor", "entry", "record"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an account with its role, from an address, maybe at a kiosk."""

    account_id: int | None
    role: str
    ip: str = ""
    kiosk_id: int | None = None


ANONYMOUS = Actor(account_id=None, role="")


def entry(
    action: str,
    actor: Actor,
    *,
    subject_account_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> QueryString:
    """The audit entry's insert, as plain SQL (building it with Piccolo cost more CPU than
    running it: scripts/bench_writes.py), for a caller writing it with its own rows in one
    statement (system.counters.next_value_with); not counted in the sign-in metrics, which
    `record` does."""
    return QueryString(
        _INSERT,
        dt.datetime.now(dt.UTC),
        action,
        actor.account_id,
        actor.role,
        subject_account_id,
        object_type,
        str(object_id),
        actor.kiosk_id,
        actor.ip,
        json.dumps(detail or {}, ensure_ascii=False),
    )


_INSERT = (
    "INSERT INTO audit_log (at, action, actor_account_id, actor_role, subject_account_id, "
    "object_type, object_id, kiosk_id, ip, detail) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})"
)


async def record(
    action: str,
    actor: Actor,
    *,
    subject_account_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> None:
    await current_engine().run_querystring(
        entry(
            action,
            actor,
            subject_account_id=subject_account_id,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
    )
    if action in _AUTH_EVENTS:
        event, outcome = _AUTH_EVENTS[action]
        if outcome == "failed":
            reason = str((detail or {}).get("reason", "")).split(":", 1)[0]
            outcome = reason if reason in _REASONS else "rejected"
        metrics().auth_events.labels(event, outcome).inc()


_AUTH_EVENTS = {
    "signin.succeeded": ("signin", "success"),
    "signin.failed": ("signin", "failed"),
    "account.enrolled": ("enrol", "success"),
    "enrol.failed": ("enrol", "failed"),
    "digital_id.verified": ("digital_id", "success"),
    "digital_id.failed": ("digital_id", "failed"),
}
"""Audit actions counted in the metrics, by event and outcome (a failure by its reason)."""
_REASONS = frozenset(
    {
        "unknown_credential",
        "revoked",
        "account_disabled",
        "user_handle_mismatch",
        "sign_count_regression",
        "malformed",
        "wrong_account",
        "challenge_missing",
        "challenge_used",
        "challenge_expired",
        "id_held",
        "state_mismatch",
        "provider_error",
        "token_refused",
        "bad_token",
        "claim",
        "other_person",
        "no_national_id",
        "unreachable",
    }
)
"""Failure reasons kept as labels; any other (free text from a library) is `rejected`."""
