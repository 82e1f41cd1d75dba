"""`make ha-test`: a real PostgreSQL failover under load, measured (issue 15).

    .venv/bin/python scripts/ha_test.py [--duration 60]

Builds, in a temporary folder on ports of its own (scripts/ha/cluster.py), three PostgreSQL
nodes run by Patroni with one etcd, synchronous_mode_strict (a commit is acknowledged only
once a standby has it), HAProxy sending connections to the node that answers Patroni's
`GET /primary`, and PgBouncer in transaction mode in front of HAProxy. Migrates the portal
through HAProxy, loads the demo catalog, and, for each way in (HAProxy; PgBouncer → HAProxy
with DB_TRANSACTION_POOLER), starts two `portal serve` and two `portal worker` processes and
drives traffic (scripts/ha/traffic.py) through two events:

- failover: `--duration` s of traffic; a third of the way in the leader's postmaster is
  killed with SIGKILL (Patroni fails over at once: master_start_timeout 0);
- switchover: the old node back in as a replica, a planned switchover to the synchronous
  standby a third of the way into another `--duration` s.

After each, every acknowledged write is looked up row by row, and every acknowledged status
change must have reached the local push service. Everything started is stopped and the
folder removed at the end, also on failure or Ctrl+C. Exit status 1 if anything was lost or
answered 500.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_notify import agency_signer, free_port, ready  # noqa: E402 (sys.path first)
from bench_push import portal, portal_env  # noqa: E402
from ha.cluster import Cluster  # noqa: E402
from ha.traffic import ORIGIN, ROW_HEADER, Citizen, Phase, enrol, run_traffic, verify  # noqa: E402

from backend import domains  # noqa: E402
from backend.lib.webpush import load_or_create_vapid  # noqa: E402
from backend.settings import Settings  # noqa: E402
from tests.support.push_service import PushService  # noqa: E402

CITIZENS = 4


@asynccontextmanager
async def portal_processes(env: dict[str, str], log_dir: Path) -> AsyncIterator[list[str]]:
    """Two `portal serve` and two `portal worker` processes; the app URLs."""
    processes, urls = [], []
    try:
        for n in range(2):
            port = free_port()
            with (log_dir / f"serve-{n}.log").open("ab") as log:
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1",
                    "--port", str(port), env=env, cwd=ROOT, stdout=log, stderr=log,
                ))  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
            with (log_dir / f"worker-{n}.log").open("ab") as log:
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "backend.cli", "worker", "--worker-id", f"ha-{n}",
                    env=env, cwd=ROOT, stdout=log, stderr=log,
                ))  # fmt: skip
        async with httpx.AsyncClient() as client, asyncio.timeout(60):
            for url in urls:
                while True:
                    if await ready(client, url):
                        break
                    await asyncio.sleep(0.2)
        yield urls
    finally:
        await stop_all(processes)


STOP_S = 30.0


async def stop_all(processes: list[asyncio.subprocess.Process]) -> None:
    """SIGTERM, and SIGKILL for any still running STOP_S later (said aloud: a bug)."""
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), STOP_S)
        except TimeoutError:
            print(f"  ! portal process {process.pid} still running {STOP_S:.0f} s after "
                  "SIGTERM: killed (its log says where it waited: `portal serve` prints "
                  "its threads' and tasks' stacks on SIGUSR1 and SIGUSR2)",
                  flush=True)  # fmt: skip
            for dump in (signal.SIGUSR1, signal.SIGUSR2):
                process.send_signal(dump)
            await asyncio.sleep(1)
            process.kill()
            await process.wait()


async def failover(cluster: Cluster) -> str:
    old = await asyncio.to_thread(cluster.kill_leader_postmaster)
    started = time.monotonic()
    while True:
        if (new := await asyncio.to_thread(cluster.leader)) not in (None, old):
            break
        await asyncio.sleep(0.1)
    return f"SIGKILL of {old}'s postmaster; {new} leader after {time.monotonic() - started:.1f} s"


async def switchover(cluster: Cluster) -> str:
    started = time.monotonic()
    old, new = await asyncio.to_thread(cluster.switchover)
    return f"switchover {old} → {new}, done in {time.monotonic() - started:.1f} s"


async def variant(
    name: str,
    cluster: Cluster,
    env: dict[str, str],
    push: PushService,
    duration_s: float,
    rows: list[str],
) -> bool:
    log_dir = Path(env["VAR_DIR"])
    signer = await agency_signer(env)
    ok = True
    async with portal_processes(env, log_dir) as apps:
        citizens = await enrol(apps, push, CITIZENS)
        agency = [httpx.AsyncClient(base_url=url, timeout=30) for url in apps]
        try:
            for event in (failover, switchover):
                await asyncio.to_thread(cluster.wait_healthy, 180)
                roles = ", ".join(f"{m['name']} {m['role']}" for m in cluster.members())
                print(f"\n== {name}: {event.__name__} ({roles}) ==", flush=True)
                phase = Phase(event.__name__)
                plan = (duration_s, duration_s / 3, lambda e=event: e(cluster))  # type: ignore[misc]
                await run_traffic(phase, citizens, (agency, signer), apps, plan)
                tally = await verify(phase, cluster.url, push, {c.endpoint for c in citizens})
                for line in tally.lines():
                    print(f"  {line}", flush=True)
                rows.append(tally.row(name))
                ok = ok and tally.ok
        finally:
            await _close(citizens, agency)
    return ok


async def _close(citizens: list[Citizen], agency: list[httpx.AsyncClient]) -> None:
    for client in [c.client for c in citizens] + agency:
        await client.aclose()


async def main(cluster: Cluster, duration_s: float) -> bool:
    print(f"{dt.date.today()}, {os.cpu_count()} CPUs shared with the cluster; {CITIZENS} "
          f"citizens and an agency's system, {duration_s:.0f} s a phase", flush=True)  # fmt: skip
    started = time.monotonic()
    await asyncio.to_thread(cluster.start)
    await asyncio.to_thread(cluster.create_database)
    var_dir = cluster.folder / "var"
    var_dir.mkdir()
    env = {**portal_env(cluster.url, var_dir), "PUBLIC_ORIGIN": ORIGIN,
           "PUSH_ALLOW_LOOPBACK_HTTP": "true", "DB_POOL_MAX": "10"}  # fmt: skip
    await portal(env, "migrate")
    await portal(env, "demo")
    print(f"cluster up, migrated and loaded in {time.monotonic() - started:.0f} s "
          f"(Patroni ttl 10 s, loop_wait 1 s; HAProxy checks every 0.5 s)")  # fmt: skip
    key = load_or_create_vapid(Settings(var_dir=str(var_dir))).public_key_b64url
    ok = True
    async with PushService(application_server_key=key) as push:
        rows: list[str] = []
        ok &= await variant("HAProxy", cluster, env, push, duration_s, rows)
        bouncer = {**env, "DATABASE_URL": cluster.bouncer_url, "DB_TRANSACTION_POOLER": "true"}
        ok &= await variant("PgBouncer → HAProxy", cluster, bouncer, push, duration_s, rows)
    print(f"\n{ROW_HEADER}", *rows, sep="\n")
    return ok


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic a phase")
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs) at the end")
    args = parser.parse_args()
    # Ctrl+C or a TERM: asyncio.run cancels the run, the finally below stops everything.
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    domains.install()
    cluster = Cluster()
    ok = False
    try:
        ok = asyncio.run(main(cluster, args.duration))
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        if args.keep:
            kept = Path(tempfile.mkdtemp(prefix="portal-ha-logs-"))
            cluster.keep_logs(kept)
            print(f"logs kept in {kept}")
        cluster.stop()
        print("\nstopped and removed everything", "" if ok else "\nFAILED: see above")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    run()
