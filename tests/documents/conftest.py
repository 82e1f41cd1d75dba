"""Each documents test gets its own VAR_DIR, so "no file left behind" is checked on an empty
directory rather than on whatever earlier tests stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings
from tests.support.database import ORIGIN, Database


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        var_dir=str(tmp_path / "var"),
        public_origin=ORIGIN,
        log_json=True,
        log_level="WARNING",
    )


@pytest.fixture
def documents_dir(settings: Settings) -> Path:
    return Path(settings.var_dir).resolve() / "documents"
