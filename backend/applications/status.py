"""The status model, enforced in one place.

draft → submitted → received → in_review → needs_info ↔ in_review → approved | rejected;
approved → completed; withdrawn by the citizen while the agency has not decided.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Literal, get_args

from backend.lib.errors import ConflictError
from backend.settings import ROOT

__all__ = [
    "ACTIVE",
    "AGENCY_TRANSITIONS",
    "CITIZEN_TRANSITIONS",
    "STATUSES",
    "AgencyStatus",
    "IllegalTransitionError",
    "Status",
    "check_transition",
    "label",
    "meaning",
]

Status = Literal[
    "draft",
    "submitted",
    "received",
    "in_review",
    "needs_info",
    "approved",
    "rejected",
    "completed",
    "withdrawn",
]
STATUSES: tuple[Status, ...] = get_args(Status)

AgencyStatus = Literal["received", "in_review", "needs_info", "approved", "rejected", "completed"]
"""What an agency may set (API or officer console): every target of AGENCY_TRANSITIONS."""

AGENCY_TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"received", "in_review", "rejected"}),
    "received": frozenset({"in_review", "needs_info", "rejected"}),
    "in_review": frozenset({"needs_info", "approved", "rejected"}),
    "needs_info": frozenset({"in_review", "rejected"}),
    "approved": frozenset({"completed"}),
}
"""What an agency (API or officer console) may do from each status."""

assert set(get_args(AgencyStatus)) == set().union(*AGENCY_TRANSITIONS.values())

CITIZEN_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"withdrawn"}),
    "received": frozenset({"withdrawn"}),
    "in_review": frozenset({"withdrawn"}),
    "needs_info": frozenset({"in_review", "withdrawn"}),  # answering resumes the review
}
"""What the citizen (or an operator for them) may do from each status."""

ACTIVE = frozenset({"submitted", "received", "in_review", "needs_info"})
"""Still being worked on: neither decided nor withdrawn."""

GLOSSARY = ROOT / "pwa" / "i18n"
"""The one glossary of statuses, kept where the PWA reads it: each status's short label is
`state.<status>` in i18n/journey/{th,en}.json (with the dashboard's words), its one line of
meaning `meaning.<status>` in i18n/more/{th,en}.json (the other screens after sign-in). The
server reads the same files for /track, notifications, pushes and errors, so there is one
wording (tests/applications/test_vocabulary.py fails on any other)."""

_UNKNOWN = ("an unknown status", "สถานะที่ไม่รู้จัก")


@cache
def _words(lang: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((GLOSSARY / f"{lang}.json").read_text("utf-8"))
    for kept in ("journey", "more"):
        words |= json.loads((GLOSSARY / kept / f"{lang}.json").read_text("utf-8"))
    return words


def label(status: str) -> tuple[str, str]:
    """(English, Thai) short label of a status."""
    if status == "unknown":
        return _UNKNOWN
    return _words("en")[f"state.{status}"], _words("th")[f"state.{status}"]


def meaning(status: str) -> tuple[str, str]:
    """(English, Thai) line saying what a status means for the citizen."""
    return _words("en")[f"meaning.{status}"], _words("th")[f"meaning.{status}"]


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"

    def __init__(self, current: str, wanted: str) -> None:
        en_from, th_from = label(current)
        en_to, th_to = label(wanted)
        super().__init__(
            f"An application that is “{en_from}” cannot become “{en_to}”.",
            f"คำขอที่มีสถานะ “{th_from}” เปลี่ยนเป็น “{th_to}” ไม่ได้",
        )
        self.current = current
        self.wanted = wanted


def check_transition(current: str, wanted: str, *, by: Literal["agency", "citizen"]) -> None:
    table = AGENCY_TRANSITIONS if by == "agency" else CITIZEN_TRANSITIONS
    if wanted not in table.get(current, frozenset()):
        raise IllegalTransitionError(current, wanted if wanted in STATUSES else "unknown")
