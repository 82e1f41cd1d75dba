"""The status model, enforced in one place.

draft → submitted → received → in_review → needs_info ↔ in_review → approved | rejected;
approved → completed; withdrawn by the citizen while the agency has not decided.
"""

from __future__ import annotations

from typing import Literal, get_args

from backend.lib.errors import ConflictError

__all__ = [
    "ACTIVE",
    "AGENCY_TRANSITIONS",
    "CITIZEN_TRANSITIONS",
    "STATUSES",
    "AgencyStatus",
    "IllegalTransitionError",
    "Status",
    "check_transition",
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

_LABELS = {
    "draft": ("Draft", "ฉบับร่าง"),
    "submitted": ("Submitted", "ยื่นแล้ว"),
    "received": ("Received by the agency", "หน่วยงานรับเรื่องแล้ว"),
    "in_review": ("In review", "กำลังพิจารณา"),
    "needs_info": ("More information needed", "ต้องส่งข้อมูลเพิ่ม"),
    "approved": ("Approved", "อนุมัติแล้ว"),
    "rejected": ("Rejected", "ไม่อนุมัติ"),
    "completed": ("Completed", "เสร็จสิ้น"),
    "withdrawn": ("Withdrawn", "ถอนคำขอแล้ว"),
    "unknown": ("an unknown status", "สถานะที่ไม่รู้จัก"),
}
"""The one short label of each status, in English and Thai: the PWA's `state.<status>`
strings are the same words (tests/applications/test_vocabulary.py)."""


def label(status: str) -> tuple[str, str]:
    """(English, Thai) name of a status, for pages rendered on the server."""
    return _LABELS[status]


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
        raise IllegalTransitionError(current, wanted if wanted in _LABELS else "unknown")
