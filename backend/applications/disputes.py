"""An account frozen because a verified person took its ID number: its drafts are discarded
and its applications already with agencies are flagged `identity_disputed`, each with a new
change number so that every agency's feed (and officer console) shows the flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.accounts.events import IdentityDisputed
from backend.applications.services.changes import next_change
from backend.applications.tables import Application
from backend.lib.db import before_commit, locking
from backend.system.audit import record

__all__ = ["on_identity_disputed"]


async def on_identity_disputed(event: IdentityDisputed) -> None:
    """Runs inside the freeze's transaction."""
    account_id = event.frozen_account_id
    # Locked now, as an agency's status change locks its application; numbered last in the
    # transaction (counters: a writer locks all it changes, then takes its number).
    query = (
        Application.select(Application.id, Application.status)
        .where((Application.account == account_id) & Application.deleted_at.is_null())
        .order_by(Application.id)
    )
    rows = await locking(query)
    at = dt.datetime.now(dt.UTC)
    drafts = [r["id"] for r in rows if r["status"] == "draft"]
    flagged = [r["id"] for r in rows if r["status"] != "draft"]

    async def numbered() -> None:  # last in the transaction, after the other listeners' writes
        for application_id in drafts + flagged:
            values: dict[Any, Any] = {
                Application.updated_at: at,
                Application.change_seq: await next_change(account_id),
            }
            if application_id in drafts:
                values[Application.deleted_at] = at  # a tombstone, like a discarded draft
            else:
                values[Application.identity_disputed] = True
            await Application.update(values).where(Application.id == application_id)

    if rows:
        before_commit(numbered)
    await record(
        "application.identity_disputed",
        event.actor,
        subject_account_id=account_id,
        object_type="account",
        object_id=account_id,
        detail={"drafts_discarded": len(drafts), "applications_flagged": len(flagged)},
    )
