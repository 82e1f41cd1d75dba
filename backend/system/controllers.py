"""`/healthz` says the process is up; `/readyz` says it can reach its database."""

from __future__ import annotations

import asyncio

from litestar import Controller, get

from backend.lib.db import current_engine
from backend.lib.errors import DatabaseUnavailableError
from backend.lib.logging import DATABASE_DOWN
from backend.lib.schema import Struct

__all__ = ["SystemController"]

READY_TIMEOUT_S = 2.0
"""A load balancer waits about this long; a slower database counts as down."""


class Health(Struct):
    status: str


class SystemController(Controller):
    path = "/"
    tags = ["system"]
    include_in_schema = False

    @get("/healthz", operation_id="healthz")
    async def healthz(self) -> Health:
        """The process is up."""
        return Health(status="ok")

    @get("/readyz", operation_id="readyz")
    async def readyz(self) -> Health:
        """The database answers a query."""
        try:
            await asyncio.wait_for(current_engine().run_ddl("SELECT 1"), READY_TIMEOUT_S)
        except Exception as exc:
            DATABASE_DOWN.failure(f"readiness check: {type(exc).__name__}")
            raise DatabaseUnavailableError() from exc
        DATABASE_DOWN.success()
        return Health(status="ready")
