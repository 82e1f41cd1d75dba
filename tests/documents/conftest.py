"""Each documents test starts with an empty documents folder, so "no file left behind" is
checked on an empty directory rather than on whatever earlier tests stored. The folder is
emptied rather than given a VAR_DIR of its own: the app is built once per engine (settings
that differ per test would build one per test, ~0.3 s each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backend.settings import Settings


@pytest.fixture
def documents_dir(settings: Settings) -> Path:
    return Path(settings.var_dir).resolve() / "documents"


@pytest.fixture(autouse=True)
def _empty_documents(request: pytest.FixtureRequest) -> None:
    if "settings" in request.fixturenames:  # the tests of the app (not of a live server)
        shutil.rmtree(request.getfixturevalue("documents_dir"), ignore_errors=True)
