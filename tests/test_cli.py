"""The `portal` command, run as a newcomer would run it (a real subprocess, real databases)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.settings import ROOT
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow


def portal(
    *args: str, var_dir: Path, url: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **extra,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the venv was installed from
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        cwd=var_dir,  # not the repo: the working directory must not matter
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help() -> None:
    """In process (a `portal` per command costs 3 s); `test_check_migrate_demo…` runs the
    real entry point."""
    commands = list(_commands(main))
    assert {("serve",), ("worker",), ("agency-key", "rotate"), ("vapid",)} <= set(commands)
    for command in commands:
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output, command


def test_check_migrate_demo_on_a_fresh_sqlite(tmp_path: Path) -> None:
    before = portal("check", var_dir=tmp_path)
    assert before.returncode == 1
    assert "pending" in before.stderr

    assert "applied" in portal("migrate", var_dir=tmp_path).stdout
    again = portal("migrate", var_dir=tmp_path)
    assert again.returncode == 0
    assert "up to date" in again.stdout

    first = portal("demo", var_dir=tmp_path)
    second = portal("demo", var_dir=tmp_path)
    assert first.returncode == 0
    assert first.stdout == second.stdout  # same counts: nothing duplicated
    assert "18 services" in second.stdout

    after = portal("check", var_dir=tmp_path)
    assert after.returncode == 0, after.stderr
    assert "migrations: all applied" in after.stdout
    assert "agency secrets: 0 readable" in after.stdout
    assert not (tmp_path / "agency_secret.key").exists()  # checking creates no key
    assert (tmp_path / "portal.sqlite3").exists()
    assert not (ROOT / "portal.sqlite3").exists()

    for setting, value, said in [
        ("NATIONAL_ID_KEYS", "garbage", "NATIONAL_ID_KEYS must hold keys of 32 bytes"),
        ("NATIONAL_ID_KEYS", "not-a-key", "NATIONAL_ID_KEYS is not base64url"),
        ("NATIONAL_ID_INDEX_KEY", "shortkey", "NATIONAL_ID_INDEX_KEY must hold keys of 32 bytes"),
    ]:  # a malformed key fails the check before the first citizen's ID would
        refused = portal("check", var_dir=tmp_path, **{setting: value})
        assert refused.returncode == 1, (setting, refused.stdout)
        assert said in refused.stderr

    swept = portal("housekeep", var_dir=tmp_path)
    assert swept.returncode == 0, swept.stderr
    assert "session: 0" in swept.stdout  # the demo has nothing expired


def test_bad_configuration_is_reported(tmp_path: Path) -> None:
    result = portal("check", var_dir=tmp_path, url="mysql://nope")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_check_reports_an_unreachable_database(tmp_path: Path) -> None:
    result = portal("check", var_dir=tmp_path, url="postgres://postgres@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "UNREACHABLE" in result.stderr


def test_demo_citizens_can_be_tracked(tmp_path: Path) -> None:
    portal("migrate", var_dir=tmp_path)
    output = portal("demo", var_dir=tmp_path).stdout
    lines = [line.split() for line in output.splitlines() if line.startswith("  ")]
    statuses = {line[2].strip("()") for line in lines}
    assert {"completed", "needs_info", "submitted", "rejected"} <= statuses
    assert all(len(line[1]) == 4 for line in lines)


def test_the_command_loads_the_domains_only_for_the_commands_that_need_them() -> None:
    """`portal migrate` runs on every start and before every test database: importing every
    domain (routes, passkeys, push) would add ~1 s of CPU to each."""
    probe = (
        "import sys; from click.testing import CliRunner; from backend.cli import main; "
        "CliRunner().invoke(main, ['migrate', '--help']); print('backend.domains' in sys.modules); "
        "CliRunner().invoke(main, ['vapid', '--help']); print('backend.domains' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_a_served_process_prints_where_it_is_on_sigusr1_and_2(tmp_path: Path) -> None:
    """For a server that hangs (an operator's `kill -USR1`/`-USR2`, and the tests'
    LiveServer.stop when a server does not stop): each thread's stack, then each asyncio
    task's, in the log, and it keeps serving."""
    server = LiveServer(tmp_path)
    server.start()
    try:
        assert server.process is not None
        server.process.send_signal(signal.SIGUSR1)
        log = tmp_path / "server.log"
        deadline = time.monotonic() + 10
        while "Current thread" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Current thread" in log.read_text(), log.read_text()
        assert 'File "' in log.read_text()  # a stack, frame by frame
        server.process.send_signal(signal.SIGUSR2)
        while "Stack for <Task" not in log.read_text() and time.monotonic() < deadline + 10:
            time.sleep(0.1)
        assert "Stack for <Task" in log.read_text(), log.read_text()
        with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()
