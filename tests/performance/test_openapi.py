"""The OpenAPI document describes the performance calls; the HTML page stays out of it."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from backend.asgi import create_app
from backend.settings import Settings


async def test_the_performance_calls_are_documented(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=str(tmp_path), log_level="ERROR"), pool=False)
    async with AsyncTestClient(app=app) as client:
        spec = (await client.get("/schema/openapi.json")).json()
    paths = spec["paths"]
    assert "/performance" not in paths
    figures = paths["/api/v1/performance"]["get"]
    assert figures["tags"] == ["performance"]
    assert {p["name"] for p in figures["parameters"]} == {"agency", "month"}
    assert figures["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Snapshot"
    }
    assert {"figures_not_ready", "unknown_agency", "unknown_month"} <= set(
        figures["responses"]["404"]["content"]["application/json"]["examples"]
    )
    csv = paths["/api/v1/performance.csv"]["get"]
    assert {p["name"] for p in csv["parameters"]} == {"agency", "month", "table"}
    assert "text/csv; charset=utf-8" in csv["responses"]["200"]["content"]
    mine = paths["/api/v1/officer/performance"]["get"]
    assert mine["tags"] == ["officer"]
    assert "officer_without_agency" in str(mine["responses"])
    unshown = spec["components"]["schemas"]["Figure"]["properties"]["reason"]
    assert "fewer_than_10_applications" in str(unshown)
