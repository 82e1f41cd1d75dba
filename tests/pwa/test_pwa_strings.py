"""Every string the citizen reads comes from pwa/i18n/{th,en}.json.

A heuristic scan, not a parser: no Thai in the JavaScript, no English sentence in a JS string
literal (developer errors thrown with `new Error(` excepted), markup text only inside elements
that name their key (`data-i18n`) and equal to the Thai string, and every key used exists in
both languages.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backend.settings import ROOT

PWA = ROOT / "pwa"
SETS = {
    "": PWA / "i18n",
    "staff": PWA / "i18n" / "staff",
    "delegation": PWA / "i18n" / "delegation",
    "appointments": PWA / "i18n" / "appointments",
    "more": PWA / "i18n" / "more",
    "journey": PWA / "i18n" / "journey",
    "enrol": PWA / "i18n" / "enrol",
}
"""String set → its folder: the citizen's strings, the staff screens', acting for someone,
a visit to the office, the screens after sign-in, and enrolment's own (loaded with
loadStrings by what uses them)."""


def _strings(lang: str, sets: tuple[str, ...] = tuple(SETS)) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in sets:
        found |= json.loads((SETS[name] / f"{lang}.json").read_text(encoding="utf-8"))
    return found


TH, EN = _strings("th"), _strings("en")
STAFF = _strings("th", ("staff",))
DELEGATION = _strings("th", ("delegation",))
LAZY_SETS = [name for name in SETS if name not in ("", "staff")]
"""Sets a citizen's screen loads on demand: a module using their words loads them first."""
JOURNEY_LOADED_BY_CALLERS = {"screens/form.js"}
"""The form's words for a refused document and the camera: loaded by local.walletFor when a
document is refused, and by the reply form (the only one with a camera) before drawing.
upload.js reads its one word from i18n/more itself (no DOM: it may run in the service worker)."""
SCRIPTS = sorted([*PWA.glob("js/**/*.js"), PWA / "sw.js"])
PAGES = [PWA / "index.html", PWA / "offline.html"]

THAI = re.compile(r"[\u0E00-\u0E7F]")
LITERAL = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\]*)`""")
PROSE = re.compile(r"^(?:[A-Z][a-z]+(?: [A-Za-z][a-z]*)*|[a-z]+(?: [a-z]+)+)[.!?…]?$")
"""A capitalised word or several words: 'Reload', 'Update available', 'waiting to send'.
Code strings (keys, selectors, header names, 'GET') do not look like this."""
TOKEN_LISTS = {"username webauthn", "button secondary", "button wide"}
"""Attribute values made of keywords that read like words (autocomplete tokens, classes)."""
KEY = re.compile(r"""['"]((?:%s)\.[\w.]+)['"]""" % "|".join({k.split(".")[0] for k in TH}))  # noqa: UP031  # a regex built from the key namespaces


def _code(path: Path) -> str:
    """The script without comments or developer-facing errors."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(^|\s)//.*", "", text)
    return re.sub(r"new Error\([^)]*\)|console\.\w+\([^)]*\)", "", text)


def test_both_languages_have_the_same_keys_and_no_empty_string() -> None:
    for name in SETS:
        assert _strings("th", (name,)).keys() == _strings("en", (name,)).keys()
    assert len(TH) == sum(len(_strings("th", (name,))) for name in SETS)  # no key twice
    assert all(v.strip() for v in [*TH.values(), *EN.values()])


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(PWA).as_posix())
def test_a_script_using_staff_words_loads_them_first(path: Path) -> None:
    """A citizen's phone never downloads the staff screens' words: a module that uses them
    loads them (`await loadStrings('staff')`) before anything can draw them."""
    code = _code(path)
    uses = {key for key in KEY.findall(code) if key in STAFF}
    uses |= {
        p for p in re.findall(r"t\(`(\w+)\.", code) if any(k.startswith(p + ".") for k in STAFF)
    }
    if uses:
        assert "await loadStrings('staff');" in code, sorted(uses)
    for name in LAZY_SETS:
        words = _strings("th", (name,))
        used = {key for key in KEY.findall(code) if key in words}
        prefixes = set(re.findall(r"t\(`(\w+)\.", code))
        used |= {p for p in prefixes if any(k.startswith(f"{p}.") for k in words)}
        module = path.relative_to(PWA).as_posix().removeprefix("js/")
        caller_loads = (name == "journey" and module in JOURNEY_LOADED_BY_CALLERS) or (
            name == "more" and module == "upload.js" and "i18n/more/${lang}.json" in code
        )
        if used and not caller_loads:
            # awaited alone, or among what the screen waits for at once
            awaited = rf"await (?:Promise\.all\(\[[^\]]*)?loadStrings\('{name}'\)"
            assert re.search(awaited, code), (name, sorted(used))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(PWA).as_posix())
def test_scripts_hold_no_citizen_facing_text(path: Path) -> None:
    code = _code(path)
    assert not THAI.search(code), "Thai text belongs in i18n/th.json"
    prose = [
        text
        for match in LITERAL.finditer(code)
        if PROSE.match(text := next(g for g in match.groups() if g is not None))
        and text not in TOKEN_LISTS
    ]
    assert prose == [], "English text belongs in i18n/en.json"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(PWA).as_posix())
def test_every_key_a_script_uses_exists(path: Path) -> None:
    missing = {key for key in KEY.findall(_code(path)) if key not in TH}
    assert missing == set()


class _Markup(HTMLParser):
    """Collects text outside a keyed element, and keyed text that differs from th.json."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for attr, key_attr in (("aria-label", "data-i18n-label"), ("content", "data-i18n-content")):
            value = found.get(attr)
            if value and THAI.search(value) and TH.get(found.get(key_attr) or "") != value:
                self.problems.append(f"<{tag} {attr}={value!r}> needs {key_attr}")
        for attr in ("title", "alt", "placeholder"):
            if found.get(attr):
                self.problems.append(f"<{tag} {attr}=…> is not translated")
        if tag not in self.VOID:
            self.stack.append(found.get("data-i18n"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not re.search(r"[^\W\d_]", text) or text.startswith("<!"):
            return
        key = self.stack[-1] if self.stack else None
        if key is None:
            self.problems.append(f"{text!r} has no data-i18n key")
        elif TH.get(key) != text:
            self.problems.append(f"{text!r} differs from th.json[{key!r}]")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_markup_text_is_the_thai_of_its_key(path: Path) -> None:
    parser = _Markup()
    parser.feed(path.read_text(encoding="utf-8"))
    assert parser.problems == []
