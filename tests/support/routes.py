"""Every route a signed-in session reaches, for tests that walk them all as someone acting for
a citizen (an operator at a kiosk, a delegate) and expect each outside their allowance refused."""

from __future__ import annotations

import re
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient

from tests.support.flows import csrf

__all__ = ["call", "concrete", "signed_in_routes"]

Client = AsyncTestClient[Any]

SIGNED_IN_GUARDS = re.compile(r"^(signed_in|requires_.*)$")
"""Guards of routes a session reaches (the agency API's signature guard is another door)."""


def signed_in_routes(client: Client) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every documented route behind a session guard."""
    found = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            guards = [getattr(g, "__name__", "") for g in handler.resolve_guards()]
            if any(SIGNED_IN_GUARDS.match(g) for g in guards):
                for method in handler.http_methods:
                    found.append((method, route.path, handler))
    return found


def concrete(path: str) -> str:
    """A path template with numbers and words in its parameters."""
    return re.sub(r"\{(\w+):int\}", "1", re.sub(r"\{(\w+):str\}", "x", path))


async def call(client: Client, method: str, path: str) -> Any:
    body = None if method in ("GET", "HEAD", "DELETE") else {}
    return await client.request(method, concrete(path), json=body, headers=csrf(client))
