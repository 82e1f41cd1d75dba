"""The application factory. Nothing happens at import time; `create_app()` wires it all."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag

from backend import domains
from backend.accounts.sessions import COOKIE, CSRF_COOKIE
from backend.agency_api.signing import AGENCY_AUTH_DESCRIPTION
from backend.lib.background import in_background
from backend.lib.db import bind_engine, close_pool, make_engine, open_pool
from backend.lib.errors import exception_handlers
from backend.lib.etag import ETagResponse
from backend.lib.idcrypt import bind_keys
from backend.lib.logging import configure_logging
from backend.lib.middleware import (
    BROTLI_QUALITY,
    COMPRESS_FROM,
    UNCOMPRESSED,
    envelope_middleware,
)
from backend.lib.static import pwa_router
from backend.settings import Settings, get_settings
from backend.system.hotcache import cache_of
from backend.system.outbox.runner import SHUTDOWN_GRACE_S, WorkerOptions, deliver_until
from backend.system.outbox.worker import default_worker_id
from backend.system.registry import Companion

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

__all__ = ["create_app"]

log = logging.getLogger("portal.worker")

API_DESCRIPTION = """\
The Citizen Portal API. Citizen endpoints live under `/api/v1`; every error is JSON
`{"code", "message", "message_th"}` with a stable `code` to branch on."""


def _lifespan(
    engine: Engine[Any], settings: Settings, pool: bool, companions: Sequence[Companion]
) -> Any:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        bind_engine(engine)
        bind_keys(settings)
        if pool:
            await open_pool(engine, settings.db_pool_min, settings.db_pool_max)
            # The ~100 k objects of a started app live as long as the process: out of the
            # collector's way, a full collection pauses requests ~30 ms less.
            gc.collect()
            gc.freeze()
        # Keeps this process's memory of sessions and dashboards true (system.hotcache);
        # without it (HOT_CACHE=false, tests without a pool) every request reads the database.
        live = pool and settings.hot_cache
        worker = _embedded_worker(settings) if pool and settings.runs_embedded_worker else None
        try:
            async with contextlib.AsyncExitStack() as beside:
                if live:
                    await beside.enter_async_context(in_background(cache_of(engine).run(engine)))
                if worker:
                    await beside.enter_async_context(worker)
                for companion in companions if pool else ():
                    await beside.enter_async_context(companion(engine))
                yield
        finally:
            if pool:
                await close_pool(engine)

    return lifespan


@asynccontextmanager
async def _embedded_worker(settings: Settings) -> AsyncIterator[None]:
    """The outbox delivered and housekeeping done by this process (`EMBEDDED_WORKER`). At
    shutdown, deliveries in flight finish or are handed back (`SHUTDOWN_GRACE_S`) before the
    pool closes, so a restart neither waits on a slow push service nor loses a message."""
    stop = asyncio.Event()
    options = WorkerOptions(default_worker_id())
    task = asyncio.create_task(deliver_until(stop, settings, options))
    task.add_done_callback(_log_failure)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, SHUTDOWN_GRACE_S + 2)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the embedded worker stopped", exc_info=task.exception())


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Citizen Portal API",
        version="1.0.0",
        description=API_DESCRIPTION,
        path="/schema",
        tags=[
            Tag(name="catalog", description="Agencies and the services they offer."),
            Tag(name="accounts", description="Passkey sign-in, sessions and passkeys."),
            Tag(name="staff", description="Operator and administrator actions."),
            Tag(name="applications", description="Applying, drafts and the dashboard."),
            Tag(name="kiosk", description="District-office kiosks and assisted sessions."),
            Tag(
                name="privacy",
                description="A citizen's own activity log, data export and account erasure.",
            ),
            Tag(
                name="notifications",
                description="Push subscriptions, the notification centre and preferences.",
            ),
            Tag(name="agency-api", description="For agency systems: signed requests."),
            Tag(name="officer", description="The officer console of agencies without a system."),
            Tag(
                name="performance",
                description="How each agency's services perform, by month: public, no personal "
                "data, refreshed hourly (also as HTML at /performance).",
            ),
        ],
        components=Components(
            security_schemes={
                "portalSignature": SecurityScheme(
                    type="apiKey",
                    name="X-Portal-Key",
                    security_scheme_in="header",
                    description=AGENCY_AUTH_DESCRIPTION,
                ),
                "session": SecurityScheme(
                    type="apiKey",
                    name=COOKIE,
                    security_scheme_in="cookie",
                    description="The session cookie a passkey ceremony sets (HttpOnly).",
                ),
                "csrf": SecurityScheme(
                    type="apiKey",
                    name="X-CSRF-Token",
                    security_scheme_in="header",
                    description=(
                        f"Every write with a session (any method but GET, HEAD, OPTIONS) sends "
                        f"the value of the `{CSRF_COOKIE}` cookie (readable by the page, set "
                        "with the session) in this header; a missing or different value is "
                        "403 `csrf_failed`."
                    ),
                ),
            }
        ),
    )


def _pwa_router(settings: Settings) -> Any:
    return pwa_router(Path(settings.pwa_dir))


def create_app(
    settings: Settings | None = None, engine: Engine[Any] | None = None, *, pool: bool = True
) -> Litestar:
    """Build the portal. Tests pass their own settings and engine, and no pool: a pool is
    bound to one event loop, and the test client serves requests on another."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings)
    configure_logging(settings.log_level, settings.log_json, settings.access_log_sample)
    registry = domains.install()
    app = Litestar(
        route_handlers=[*registry.routes, _pwa_router(settings)],
        dependencies={"settings": Provide(lambda: settings, sync_to_thread=False)},
        state=State({"settings": settings}),  # for guards, which get no dependencies
        lifespan=[_lifespan(engine, settings, pool, registry.companions)],
        response_class=ETagResponse,
        exception_handlers=exception_handlers(),
        compression_config=CompressionConfig(
            backend="brotli",
            brotli_gzip_fallback=True,
            minimum_size=COMPRESS_FROM,
            brotli_quality=BROTLI_QUALITY,
            exclude_opt_key=UNCOMPRESSED,
        ),
        openapi_config=_openapi(),
        debug=settings.debug,
        logging_config=None,
    )
    # Around the router, not inside a route: every request, routed or not, is logged and
    # counted once, and what answers before routing (the dashboard from memory) pays for no
    # routing at all.
    handler = app.asgi_handler
    for middleware in reversed(registry.before_routing):
        handler = middleware(handler)
    app.asgi_handler = envelope_middleware(handler)
    return app
