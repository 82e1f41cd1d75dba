"""The README is the newcomer's manual: it must name every setting and both commands."""

from __future__ import annotations

from backend.settings import ROOT, Settings


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f.upper() for f in Settings.__struct_fields__ if f"`{f.upper()}`" not in readme]
    assert missing == []


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
