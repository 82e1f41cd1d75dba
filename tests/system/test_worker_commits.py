"""The outbox worker's commits do not wait for the disk on PostgreSQL (lib.db.make_engine's
`flushed_commits`): a database crash may forget its last claims and results, and those messages
are sent again. The app and every other command commit flushed."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from piccolo.querystring import QueryString

from backend.lib import logging as logging_module
from backend.lib import metrics as metrics_module
from backend.lib.cli import run_job
from backend.lib.db import current_engine, transaction
from backend.settings import Settings, get_settings
from backend.system import cli as system_cli
from backend.system.counters import next_value
from tests.support.database import Database


async def _commit_setting() -> str:
    """How this connection's commits reach the disk."""
    engine = current_engine()
    if engine.engine_type == "postgres":
        rows = await engine.run_querystring(QueryString("SHOW synchronous_commit"))
        return str(rows[0]["synchronous_commit"])
    rows = await engine.run_querystring(QueryString("PRAGMA synchronous"))
    return f"sqlite synchronous={rows[0]['synchronous']}"


def _settings(db: Database) -> Settings:
    return Settings(database_url=db.url, var_dir=str(db.var_dir), log_level="WARNING")


def test_the_worker_s_commits_do_not_wait_for_the_disk_on_postgresql(db: Database) -> None:
    settings = _settings(db)
    worker = run_job(_commit_setting, settings, flushed_commits=False)
    command = run_job(_commit_setting, settings)
    if db.kind == "postgres":
        assert (worker, command) == ("off", "on")
    else:  # SQLite: the worker runs inside the app process there, as the app does
        assert worker == command


def test_a_worker_s_transaction_taking_a_change_number_commits_flushed(db: Database) -> None:
    """The hourly housekeeping runs in the worker (the overdue-fee sweep takes change
    numbers): a number others may have read must survive a crash, or it is given again."""

    async def job() -> tuple[str, str]:
        async with transaction():
            before = await _commit_setting()
            await next_value("test-flushed")
            return before, await _commit_setting()

    before, after = run_job(job, _settings(db), flushed_commits=False)
    if db.kind == "postgres":
        assert (before, after) == ("off", "on")
    else:
        assert before == after


def test_portal_worker_runs_with_unflushed_commits(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: dict[str, Any] = {}

    def run_job_spy(make: Any, settings: Any = None, **options: Any) -> None:
        asked.update(options)
        make().close()  # the command's job, not run

    monkeypatch.setattr(system_cli, "run_job", run_job_spy)
    # What the command sets up for its process, not this one's.
    monkeypatch.setattr(logging_module, "configure_logging", lambda *_: None)
    monkeypatch.setattr(metrics_module, "prepare_multiprocess", lambda _: None)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("VAR_DIR", str(db.var_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(system_cli.worker, ["--once"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert asked == {"flushed_commits": False}
