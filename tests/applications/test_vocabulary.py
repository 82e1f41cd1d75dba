"""One state, one name: every status has one short label in Thai and in English, the same on
the server's pages (/track, errors) and in the PWA (`state.<status>`); the officer console's
list of statuses and of what an agency may do next is the server's transition table; the
schemas list the statuses and roles in the OpenAPI document."""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest

from backend.accounts.schemas import Role
from backend.applications.status import (
    AGENCY_TRANSITIONS,
    STATUSES,
    AgencyStatus,
    Status,
    label,
)
from backend.settings import ROOT

PWA = ROOT / "pwa"


@pytest.mark.parametrize(("lang", "index"), [("en", 0), ("th", 1)])
def test_the_pwa_names_every_status_as_the_server_does(lang: str, index: int) -> None:
    strings = json.loads((PWA / "i18n" / f"{lang}.json").read_text())
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
