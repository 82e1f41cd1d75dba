"""One state, one name: every status has one short label in Thai and in English, the same on
the server's pages (/track, errors) and in the PWA (`state.<status>`); the officer console's
list of statuses and of what an agency may do next is the server's transition table; the
schemas list the statuses and roles in the OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from backend.accounts.schemas import Role
from backend.applications.status import (
    AGENCY_TRANSITIONS,
    STATUSES,
    AgencyStatus,
    Status,
    label,
    meaning,
)
from backend.notifications.messages import news_for, push_body
from backend.settings import ROOT

PWA = ROOT / "pwa"


@pytest.mark.parametrize(("lang", "index"), [("en", 0), ("th", 1)])
def test_the_pwa_names_every_status_as_the_server_does(lang: str, index: int) -> None:
    strings = json.loads((PWA / "i18n" / "journey" / f"{lang}.json").read_text())
    pwa = {
        key.removeprefix("state."): text
        for key, text in strings.items()
        if key.startswith("state.")
    }
    server = {status: label(status)[index] for status in STATUSES}
    assert pwa == server


def _js_constant(source: str, name: str) -> str:
    found = re.search(rf"const {name} = (?:/\*\*.*?\*/ \()?(.+?)\)?;\n", source, re.DOTALL)
    assert found, name
    return found.group(1)


def test_the_officer_console_follows_the_transition_table() -> None:
    source = (PWA / "js" / "screens" / "officer.js").read_text()
    listed = re.findall(r"'(\w+)'", _js_constant(source, "STATUSES"))
    assert listed == [s for s in STATUSES if s != "draft"]
    table = _js_constant(source, "NEXT")
    nexts = {
        key: set(re.findall(r"'(\w+)'", targets))
        for key, targets in re.findall(r"(\w+): \[([^\]]*)\]", table)
    }
    assert nexts == {status: set(targets) for status, targets in AGENCY_TRANSITIONS.items()}


def test_what_an_agency_may_set_is_the_transition_tables_targets() -> None:
    assert set(get_args(AgencyStatus)) == set().union(*AGENCY_TRANSITIONS.values())
    assert set(get_args(AgencyStatus)) < set(get_args(Status))


def _enum_of(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("enum", []))


def test_the_openapi_document_lists_statuses_and_roles(client: Any) -> None:
    document = client.app.openapi_schema.to_schema()
    schemas = document["components"]["schemas"]
    changed = schemas["StatusChanged"]["properties"]["status"]
    assert sorted(_enum_of(changed, document)) == sorted(STATUSES)
    change = schemas["StatusChange"]["properties"]["status"]
    assert sorted(_enum_of(change, document)) == sorted(get_args(AgencyStatus))
    role = schemas["AccountOut"]["properties"]["role"]
    assert sorted(_enum_of(role, document)) == sorted(get_args(Role))


@pytest.mark.parametrize("lang", ["en", "th"])
def test_every_status_has_one_line_of_meaning(lang: str) -> None:
    more = json.loads((PWA / "i18n" / "more" / f"{lang}.json").read_text())
    glossary = {key: text for key, text in more.items() if key.startswith("meaning.")}
    assert set(glossary) == {f"meaning.{status}" for status in STATUSES}
    assert all(len(line) <= 90 and "\n" not in line for line in glossary.values())


def test_notifications_and_pushes_say_the_glossarys_line() -> None:
    for status in (
        AGENCY_TRANSITIONS["received"]
        | AGENCY_TRANSITIONS["in_review"]
        | {
            "received",
            "completed",
        }
    ):
        news = news_for("submitted", status)
        assert news is not None, status
        assert (news.en, news.th) == meaning(status)
        body = push_body(
            notification_id=1,
            application_id=1,
            tracking_code="X",
            status=status,
            news=news,
            lang="th",
        )
        assert body["title"] == f"คำขอ X: {label(status)[1]}"
        assert body["body"] == meaning(status)[1]


VARIANTS = {
    "in_review": ("อยู่ระหว่างการพิจารณา", "อยู่ระหว่างพิจารณา", "under review", "being reviewed"),
    "received": ("ได้รับคำขอแล้ว", "has received your"),
    "needs_info": ("ขอข้อมูลเพิ่มเติม", "รอข้อมูลเพิ่มเติม", "needs more information"),
    "approved": ("ได้รับการอนุมัติ", "has been approved"),
    "rejected": ("ไม่ได้รับการอนุมัติ", "ถูกปฏิเสธ", "was not approved"),
    "completed": ("ดำเนินการเสร็จสิ้น", "เสร็จสมบูรณ์", "has been completed"),
    "withdrawn": ("ยกเลิกคำขอแล้ว", "application cancelled"),
}
"""Other names seen for a status (issue 20 found three for "in review"). None may appear in
what a citizen, an officer or an operator reads: the PWA's strings and scripts, the server's
pages and notification texts."""

SOURCES = [
    *sorted((PWA / "i18n").rglob("*.json")),
    *sorted((PWA / "js").rglob("*.js")),
    *sorted(PWA.glob("*.html")),
    *sorted(p for p in (ROOT / "backend").rglob("*.py") if p.name != "demo_data.py"),
]


def _text(path: Path) -> str:
    """What a file says, the glossary's own lines of meaning left out."""
    if path.suffix != ".json":
        return path.read_text("utf-8")
    strings = json.loads(path.read_text("utf-8"))
    return "\n".join(text for key, text in strings.items() if not key.startswith("meaning."))


@pytest.mark.parametrize("status", sorted(VARIANTS))
def test_no_other_wording_for_a_status_anywhere(status: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}: {variant}"
        for path in SOURCES
        for variant in VARIANTS[status]
        if variant.lower() in _text(path).lower()
    ]
    assert found == []


def test_no_string_but_the_glossary_names_a_status_by_its_label() -> None:
    """A status label used as another key's whole text is a second copy that can drift."""
    for lang in ("en", "th"):
        labels = {label(status)[lang == "th"] for status in STATUSES}
        for path in sorted((PWA / "i18n").rglob(f"{lang}.json")):
            for key, text in json.loads(path.read_text("utf-8")).items():
                if not key.startswith(("state.", "meaning.")):
                    assert text not in labels, (path.name, key)


@pytest.mark.parametrize("screen", ["application.js", "officer.js"])
def test_the_app_and_the_officer_console_show_the_line_of_meaning(screen: str) -> None:
    source = (PWA / "js" / "screens" / screen).read_text()
    assert "t(`meaning.${" in source and "await loadStrings('more');" in source
