"""The test databases: where PostgreSQL is, and what a test database is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from backend.lib.postgres import PortalPostgresEngine

__all__ = ["ORIGIN", "PG_ADMIN_DSN", "Database", "engine_for"]


PG_ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
"""A PostgreSQL database we may connect to in order to create throw-away test databases."""


ORIGIN = "http://portal.localhost:8000"


@dataclass
class Database:
    kind: str
    url: str
    var_dir: Path
    snapshot: dict[str, list[dict[str, Any]]]


def engine_for(db: Database) -> Engine[Any]:
    """A new engine on `db` (the tests bind it, as the app binds its own)."""
    if db.kind == "postgres":
        return PortalPostgresEngine(config={"dsn": db.url})
    return SQLiteEngine(path=db.url.removeprefix("sqlite:///"))
