"""What the privacy API answers and takes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.lib.schema import Struct

__all__ = ["ActivityEntry", "Erased", "Erasure"]


class ActivityEntry(Struct):
    id: int
    at: dt.datetime
    action: str
    by: str
    """"me", "operator", "officer", "agency_api", "admin" or "system"."""
    by_name: str = ""
    kiosk: str = ""
    object_type: str = ""
    object_id: str = ""


class Erasure(Struct):
    confirm: Annotated[str, msgspec.Meta(max_length=4)]
    """The last 4 digits of my ID number."""


class Erased(Struct):
    erased: bool
    removed: dict[str, int]
    """How many of each were deleted: drafts, documents, passkeys, sessions, devices,
    notifications."""
