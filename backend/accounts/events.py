"""What the accounts domain announces, for other domains to listen to (see system.registry)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.system.audit import Actor

__all__ = ["SignedOut"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedOut:
    """A session ended by its holder (`session_id`), or every session of the account
    (`session_id` None: signed out everywhere, e.g. after losing a phone)."""

    actor: Actor
    account_id: int | None
    session_id: int | None
