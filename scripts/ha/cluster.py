"""A throw-away PostgreSQL HA cluster on this machine for `make ha-test`: one etcd, three
PostgreSQL 15 nodes run by Patroni (synchronous_mode_strict), HAProxy sending connections to
whichever node answers Patroni's `GET /primary`, and PgBouncer (transaction mode) in front of
HAProxy. Everything lives in one temporary folder on ports of its own: the machine's own
PostgreSQL (5432) is never touched. `stop()` ends every process and deletes the folder.

Patroni, PostgreSQL and PgBouncer refuse to run as root: as root they run as `postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

__all__ = ["Cluster"]

NODES = ("pg1", "pg2", "pg3")
TTL_S, LOOP_WAIT_S, RETRY_TIMEOUT_S = 10, 1, 4
"""Patroni's leader lease and loop: a leader that stops renewing loses the key within 10 s;
Patroni requires loop_wait + 2 × retry_timeout ≤ ttl."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise SystemExit("PostgreSQL's binaries are missing (apt-get install postgresql)")
    return str(Path(found[-1]).parent)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _get(url: str, timeout: float = 2) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (OSError, ValueError):
        return 0, None


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Cluster:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portal-ha-"))
        self.etcd_port, self.etcd_peer = _free_port(), _free_port()
        self.pg_ports = {name: _free_port() for name in NODES}
        self.rest_ports = {name: _free_port() for name in NODES}
        self.haproxy_port, self.bouncer_port = _free_port(), _free_port()
        self.namespace = f"/portal-ha-{uuid.uuid4().hex[:8]}/"
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self.url = f"postgresql://postgres@127.0.0.1:{self.haproxy_port}/portal"
        self.bouncer_url = f"postgresql://postgres@127.0.0.1:{self.bouncer_port}/portal"

    # -- starting ---------------------------------------------------------------------------
    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._spawn("etcd", ["etcd", "--name", "ha", "--data-dir", str(self.folder / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{self.etcd_peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.etcd_peer}",
            "--initial-cluster", f"ha=http://127.0.0.1:{self.etcd_peer}"])  # fmt: skip
        self._until(lambda: _get(f"http://127.0.0.1:{self.etcd_port}/health")[0] == 200, 30, "etcd")
        for name in NODES:
            config = self.folder / f"{name}.yml"
            config.write_text(json.dumps(self._patroni_config(name)))  # JSON is YAML
            if os.geteuid() == 0:
                shutil.chown(config, "postgres", "postgres")
            self._spawn(name, [*_as_postgres(), "patroni", str(config)])
            if name == NODES[0]:  # the first one bootstraps; the others clone it
                self._until(lambda: self.leader() is not None, 60, "a Patroni leader")
        self.wait_healthy(120)
        self._haproxy()
        self._pgbouncer()
        self._until(self._database_ready, 30, "the portal database through HAProxy")

    def _patroni_config(self, name: str) -> dict[str, Any]:
        home = self.folder / name
        hba = ["local all all trust", "host all all 127.0.0.1/32 trust",
               "host replication all 127.0.0.1/32 trust"]  # fmt: skip
        return {
            "scope": "portal-ha",
            "namespace": self.namespace,
            "name": name,
            "restapi": {
                "listen": f"127.0.0.1:{self.rest_ports[name]}",
                "connect_address": f"127.0.0.1:{self.rest_ports[name]}",
            },
            "etcd3": {"hosts": [f"127.0.0.1:{self.etcd_port}"]},
            "bootstrap": {
                "dcs": {
                    "ttl": TTL_S,
                    "loop_wait": LOOP_WAIT_S,
                    "retry_timeout": RETRY_TIMEOUT_S,
                    # A crashed primary is failed over at once, not restarted in place.
                    "master_start_timeout": 0,
                    "synchronous_mode": True,
                    "synchronous_mode_strict": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "parameters": {
                            "synchronous_commit": "on",
                            "wal_log_hints": "on",
                            "max_connections": 200,
                            "wal_keep_size": "256MB",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}],
                "pg_hba": hba,
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_ports[name]}",
                "connect_address": f"127.0.0.1:{self.pg_ports[name]}",
                "data_dir": str(home / "data"),
                "bin_dir": _pg_bin(),
                "pgpass": str(home / "pgpass"),
                "pg_hba": hba,
                "authentication": {
                    "superuser": {"username": "postgres", "password": "postgres"},
                    "replication": {"username": "replicator", "password": "replicator"},
                    "rewind": {"username": "postgres", "password": "postgres"},
                },
                "parameters": {"unix_socket_directories": str(self.folder)},
            },
        }

    def _haproxy(self) -> None:
        servers = "\n".join(
            f"  server {name} 127.0.0.1:{self.pg_ports[name]} maxconn 180 check port "
            f"{self.rest_ports[name]}"
            for name in NODES
        )
        config = self.folder / "haproxy.cfg"
        config.write_text(f"""global
  maxconn 600
defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 2s
listen primary
  bind 127.0.0.1:{self.haproxy_port}
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
{servers}
""")
        self._spawn("haproxy", ["/usr/sbin/haproxy", "-f", str(config), "-db"])

    def _pgbouncer(self) -> None:
        users = self.folder / "users.txt"
        users.write_text('"postgres" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(f"""[databases]
portal = host=127.0.0.1 port={self.haproxy_port} dbname=portal user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.bouncer_port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
max_client_conn = 400
default_pool_size = 40
server_reset_query =
server_login_retry = 1
server_connect_timeout = 3
ignore_startup_parameters = extra_float_digits
""")
        for path in (users, config):
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        self._spawn("pgbouncer", [*_as_postgres(), "/usr/sbin/pgbouncer", str(config)])
        self._until(lambda: _listening(self.bouncer_port), 10, "PgBouncer")

    def _database_ready(self) -> bool:
        return self.psql("SELECT 1", database="postgres") == "1"

    def create_database(self) -> None:
        self._until(
            lambda: (
                self.psql("CREATE DATABASE portal", database="postgres") is not None
                or self.psql("SELECT 1") == "1"
            ),
            30,
            "CREATE DATABASE portal",
        )

    def keep_logs(self, to: Path) -> None:
        for log in self.folder.rglob("*.log"):
            target = to / log.relative_to(self.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, target)

    def psql(self, sql: str, database: str = "portal") -> str | None:
        """One statement through HAProxy (the leader); its output, or None if it failed."""
        result = subprocess.run(  # noqa: S603 (our own command line, no outside input)
            [f"{_pg_bin()}/psql", "-h", "127.0.0.1", "-p", str(self.haproxy_port), "-U",
             "postgres", "-d", database, "-Atc", sql],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        return result.stdout.strip() if result.returncode == 0 else None

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self._processes[name] = subprocess.Popen(  # noqa: S603 (our own command lines)
            command, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True
        )

    @staticmethod
    def _until(condition: Any, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            time.sleep(0.2)

    # -- looking and acting -----------------------------------------------------------------
    def members(self) -> list[dict[str, Any]]:
        for name in NODES:
            status, body = _get(f"http://127.0.0.1:{self.rest_ports[name]}/cluster")
            if status == 200 and body:
                return list(body.get("members", []))
        return []

    def leader(self) -> str | None:
        return next((m["name"] for m in self.members() if m.get("role") == "leader"), None)

    def healthy(self) -> bool:
        """A leader, a synchronous standby and the third node streaming."""
        members = self.members()
        roles = sorted(m.get("role", "") for m in members)
        running = all(m.get("state") in ("running", "streaming") for m in members)
        return len(members) == 3 and running and roles[0] == "leader" and "sync_standby" in roles

    def wait_healthy(self, timeout_s: float = 90) -> float:
        started = time.monotonic()
        self._until(self.healthy, timeout_s, "three healthy nodes (leader, sync standby, replica)")
        return time.monotonic() - started

    def kill_leader_postmaster(self) -> str:
        """SIGKILL the leader's postmaster (Patroni stays up, sees it gone, fails over)."""
        leader = self.leader()
        assert leader is not None
        pid = int((self.folder / leader / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        return leader

    def switchover(self) -> tuple[str, str]:
        """Patroni's planned switchover to the synchronous standby: (old, new leader)."""
        members = self.members()
        leader = next(m["name"] for m in members if m["role"] == "leader")
        target = next(m["name"] for m in members if m["role"] == "sync_standby")
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rest_ports[leader]}/switchover",
            data=json.dumps({"leader": leader, "candidate": target}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            if response.status != 200:
                raise SystemExit(f"switchover refused: {response.status}")
        return leader, target

    # -- stopping ---------------------------------------------------------------------------
    def stop(self) -> None:
        """End every process this cluster started (also PostgreSQL, which Patroni starts in
        a session of its own) and delete the folder. Safe to call twice."""
        for name in ("pgbouncer", "haproxy", *NODES, "etcd"):
            process = self._processes.pop(name, None)
            if process is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for name in NODES:
            pidfile = self.folder / name / "data" / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)
