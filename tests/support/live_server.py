"""A real `portal serve` subprocess on SQLite in its own VAR_DIR, for browser tests and for
tests that drive the portal over the network as an outside system would."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any

from backend.lib.idcrypt import INDEX_KEY_FILE, BlindIndex
from backend.lib.keyfile import read_keys
from backend.settings import ROOT

__all__ = ["LiveServer"]


_TEMPLATES: dict[str, Path] = {}
"""Settings → a VAR_DIR that `portal migrate` and `portal demo` have prepared, in this process."""

_SAME_DATA = ("VAR_DIR", "PUBLIC_ORIGIN")
"""Settings a server's prepared data does not depend on."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.var_dir = var_dir
        self.env = {
            **os.environ,
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": "",
            "PUBLIC_ORIGIN": self.url,
            "LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def portal(self, *args: str, var_dir: Path | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "backend.cli", *args],
            env=self.env if var_dir is None else {**self.env, "VAR_DIR": str(var_dir)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"portal {' '.join(args)} failed: {result.stderr[-3000:]}")
        return result.stdout

    def python(self, script: str, *args: str) -> str:
        """Run a Python script with the server's settings (e.g. a service call a test needs
        done as the server would, without the steps that lead to it), `args` as its
        `sys.argv[1:]`; its stdout."""
        result = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def start(self) -> None:
        self._prepare()
        with (self.var_dir / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {(self.var_dir / 'server.log').read_text()}")

    def _prepare(self) -> None:
        """Migrate and load the demo data, as `make run` does: on SQLite once per test process
        for each set of settings, then copied (the two commands cost ~3.5 s of CPU a server)."""
        if self.env.get("DATABASE_URL"):
            self.portal("migrate")
            self.portal("demo")
            return
        key = repr(sorted((k, v) for k, v in self.env.items() if k not in _SAME_DATA))
        if key not in _TEMPLATES:
            template = Path(tempfile.mkdtemp(prefix="portal-live-"))
            atexit.register(shutil.rmtree, template, True)
            self.portal("migrate", var_dir=template)
            self.portal("demo", var_dir=template)
            _TEMPLATES[key] = template
        shutil.copytree(_TEMPLATES[key], self.var_dir, dirs_exist_ok=True)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            try:
                # `portal serve` gives open requests up to 8 s (timeout_graceful_shutdown), then
                # ends its lifespan (pool, embedded worker): 10 s was too short beside a CPU hog.
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired as stuck:
                # Where it hangs (`portal serve` prints its threads' stacks on SIGUSR1, its
                # asyncio tasks' on SIGUSR2); then the test fails, leaving no server behind.
                self.process.send_signal(signal.SIGUSR1)
                self.process.send_signal(signal.SIGUSR2)
                time.sleep(1)
                self.process.kill()
                self.process.wait()
                log = (self.var_dir / "server.log").read_text(errors="replace")[-6000:]
                message = f"the server did not stop in 30 s; its log ends:\n{log}"
                raise RuntimeError(message) from stuck

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Run SQL on the server's SQLite database (WAL: safe while it serves)."""
        with closing(sqlite3.connect(self.var_dir / "portal.sqlite3", timeout=10)) as db, db:
            return db.execute(query, params).fetchall()

    def index_of(self, national_id: str) -> str:
        """The blind index the server files this ID number under (account.national_id_index):
        national IDs are sealed at rest, so tests find an account by its index."""
        (key,) = read_keys("", "NATIONAL_ID_INDEX_KEY", self.var_dir / INDEX_KEY_FILE)
        return BlindIndex(key)(national_id)

    def forget_rate_limits(self) -> None:
        """Browser tests all come from 127.0.0.1: start each with fresh sign-up/sign-in limits."""
        self.sql("DELETE FROM rate_limit")
