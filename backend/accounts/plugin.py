"""The accounts domain's parts: routes, retention of sessions, challenges and codes, its
part of a citizen's personal data, and where it keeps ID numbers sealed."""

from __future__ import annotations

import datetime as dt

from backend.accounts import national_ids, personal_data
from backend.accounts.controllers import (
    AuthController,
    DigitalIdCallback,
    DigitalIdController,
    MySessionsController,
    PasskeyController,
    ProfileController,
    SessionController,
    SignoutController,
    StaffAccountsController,
)
from backend.accounts.sessions import SESSION_KEEPERS, TIMEOUTS, touches_written
from backend.system.housekeeping import housekeep
from backend.system.registry import Housekeeping, Registry, RetentionRule, Sweep, current

__all__ = ["register"]

DAY = dt.timedelta(days=1)

# A session a day past its absolute end (at most a day after sign-in, TIMEOUTS) can never be
# used again; one revoked or idle earlier is refused at once and goes with the same rule (read
# through the index session_expires; `last_seen_at` is not indexed, as it changes every
# minute).
assert max(absolute for _, absolute in TIMEOUTS.values()) <= DAY.total_seconds()


async def _sweep_sessions(run: Housekeeping) -> dict[str, int]:
    """Ended sessions, except those another domain's rows still refer to (SESSION_KEEPERS,
    e.g. the assisted sessions an operator served citizens from: their consent records)."""
    keepers = current().extensions(SESSION_KEEPERS)
    kept = "".join(
        f" AND NOT EXISTS (SELECT 1 FROM {table} k WHERE k.{column} = session.id)"  # noqa: S608
        for table, column in keepers  # (table and column names registered in code)
    )
    where = "expires_at < {}" + kept
    return await housekeep([RetentionRule("session", where, DAY)], run.now, run.batch)


def register(registry: Registry) -> None:
    registry.routes += [
        AuthController,
        SignoutController,
        SessionController,
        MySessionsController,
        PasskeyController,
        StaffAccountsController,
        DigitalIdController,
        DigitalIdCallback,
        ProfileController,
    ]
    registry.sweeps.append(Sweep("session", _sweep_sessions))
    # A serving process writes its sessions' activity in batches, the last before it stops.
    registry.companions.append(touches_written)
    registry.retention += [
        # Challenges live 5 minutes; an hour is ample for any ceremony to have ended.
        RetentionRule("webauthn_challenge", "created_at < {}", dt.timedelta(hours=1)),
        # Enrolment and recovery codes live 15 minutes; issuing and using them are audited.
        RetentionRule("one_time_code", "expires_at < {}", 30 * DAY),
    ]
    registry.personal_data.append(personal_data.PART)
    registry.sealed += national_ids.SEALED_COLUMNS
