"""What delegation hears from the domains below: a grantor is told of every application a
delegate submits, answers or withdraws for them; a frozen account's authorisations end."""

from __future__ import annotations

from backend.accounts.events import AccountNotice, IdentityDisputed, Notice
from backend.accounts.tables import Account
from backend.applications.events import ApplicationEvent, NeedsInfoAnswered, StatusChanged
from backend.delegation.services import end_all_of
from backend.system.registry import publish

__all__ = ["on_identity_disputed", "on_needs_info_answered", "on_status_changed"]

_TOLD: dict[str, Notice] = {"submitted": "delegate_submitted", "withdrawn": "delegate_withdrew"}


async def _tell_grantor(event: ApplicationEvent, what: Notice) -> None:
    by = event.by
    if by is None or by.role != "delegate" or by.account_id is None:
        return
    row = await Account.select(Account.full_name).where(Account.id == by.account_id).first()
    await publish(
        AccountNotice(
            account_id=event.account_id,
            what=what,
            who=row["full_name"] if row else "",
            about=event.tracking_code,
        )
    )


async def on_status_changed(event: StatusChanged) -> None:
    what = _TOLD.get(event.new_status)
    if what is not None:
        await _tell_grantor(event, what)


async def on_needs_info_answered(event: NeedsInfoAnswered) -> None:
    await _tell_grantor(event, "delegate_answered")


async def on_identity_disputed(event: IdentityDisputed) -> None:
    await end_all_of(event.frozen_account_id, "account_frozen")
