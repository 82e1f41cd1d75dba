"""Micro benchmark: how many Web Pushes per second `portal worker` sends to a local push
service (DESIGN.md budget: one worker ≥ 1,000 pushes/s to a loopback endpoint).

    .venv/bin/python scripts/bench_push.py [-n 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_push.py

SQLite always; PostgreSQL too when DATABASE_URL is set (a throw-away database is created
next to the one it names, and dropped afterwards). For each engine it queues N webpush
messages, starts 1 and then 2 `portal worker` processes, and measures from the first push
the push service accepts to the last. The push service (in this process) checks VAPID and
decrypts every `--verify-every`-th push and counts the rest, and any rejection fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.lib.db import bind_engine, make_engine  # noqa: E402 (needs sys.path first)
from backend.lib.webpush import load_or_create_vapid  # noqa: E402
from backend.notifications.push_handler import WEBPUSH_KIND, webpush_payload  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.system.outbox.queue import NewMessage, enqueue_many  # noqa: E402
from tests.support.push_service import PushService  # noqa: E402

BODY = {"title": "สถานะคำขอ", "body": "คำขอของคุณได้รับการอนุมัติแล้ว", "url": "/#/applications/7"}


def portal_env(url: str, var_dir: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING"}


async def portal(env: dict[str, str], *args: str, root: Path = ROOT) -> None:
    """`portal ARGS` of the checkout at `root` (another commit's worktree for a baseline)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, env=env, cwd=root,
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if await process.wait() != 0:
        raise SystemExit(f"portal {' '.join(args)} failed")


@asynccontextmanager
async def scratch_database(
    kind: str, admin_url: str, root: Path = ROOT
) -> AsyncIterator[tuple[str, Path]]:
    """A throw-away database migrated by the checkout at `root`; its URL and VAR_DIR."""
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        var_dir = Path(tmp)
        if kind == "sqlite":
            url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
            await portal(portal_env(url, var_dir), "migrate", root=root)
            yield url, var_dir
            return
        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(admin_url)
        await conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = admin_url.rsplit("/", 1)[0] + "/" + name
            await portal(portal_env(url, var_dir), "migrate", root=root)
            yield url, var_dir
        finally:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()


async def start_worker(
    url: str, var_dir: Path, worker_id: str, options: list[str]
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", "worker", "--worker-id", worker_id, *options,
        env=portal_env(url, var_dir), cwd=ROOT,
    )  # fmt: skip


def cpu_s(processes: list[asyncio.subprocess.Process]) -> float:
    """User + system CPU seconds the worker processes have used (Linux /proc)."""
    total = 0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def accepted_at_least(push: PushService, n: int) -> None:
    async with asyncio.timeout(120):
        while True:
            if push.accepted >= n:
                return
            await asyncio.sleep(0.01)


async def run(
    url: str, var_dir: Path, workers: int, n: int, verify_every: int, options: list[str]
) -> tuple[float, float]:
    """(pushes/s from first to last accepted push, worker CPU ms per push meanwhile)."""
    # Made now, before the workers read it: browsers subscribe with its public half.
    server_key = load_or_create_vapid(Settings(var_dir=str(var_dir))).public_key_b64url
    async with PushService(application_server_key=server_key, verify_every=verify_every) as push:
        subscriptions = [push.subscribe() for _ in range(100)]
        engine = make_engine(Settings(database_url=url, var_dir=str(var_dir)))
        bind_engine(engine)
        await engine.run_ddl("DELETE FROM outbox")
        await enqueue_many(
            NewMessage(WEBPUSH_KIND, webpush_payload(subscriptions[i % 100], {**BODY, "n": i}))
            for i in range(n)
        )
        processes = [
            await start_worker(url, var_dir, f"bench-{w}", options) for w in range(workers)
        ]
        try:
            await accepted_at_least(push, 1)  # past the workers' start-up
            start_cpu, start_count = cpu_s(processes), push.accepted
            await accepted_at_least(push, n)
            cpu_ms = 1000 * (cpu_s(processes) - start_cpu) / (push.accepted - start_count)
        finally:
            for process in processes:
                process.send_signal(signal.SIGINT)
            for process in processes:
                await process.wait()
        if push.rejected:
            raise SystemExit(f"push service rejected {len(push.rejected)}: {push.rejected[0]}")
        sampled = [p for ps in push.received.values() for p in ps if p.payload is not None]
        assert sampled and all(p.json()["title"] == BODY["title"] for p in sampled)
        assert push.first_accepted_at is not None and push.last_accepted_at is not None
        return push.accepted / (push.last_accepted_at - push.first_accepted_at), cpu_ms


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="pushes per run (default 5000)")
    parser.add_argument("--verify-every", type=int, default=50, help="decrypt 1 push in N")
    parser.add_argument("--batch-size", default="100", help="portal worker --batch-size")
    parser.add_argument("--concurrency", default="50", help="portal worker --concurrency")
    args = parser.parse_args()
    options = ["--batch-size", args.batch_size, "--concurrency", args.concurrency]
    admin_url = os.environ.get("DATABASE_URL", "")
    engines = ["sqlite"] + (["postgres"] if admin_url else [])
    print(f"{args.n} pushes, 100 subscriptions, 1 in {args.verify_every} verified and decrypted")
    print(f"{os.cpu_count()} CPUs; the push service shares them with the workers")
    print(f"portal worker {' '.join(options)}")
    for kind in engines:
        async with scratch_database(kind, admin_url) as (url, var_dir):
            for workers in (1, 2):
                rate, cpu_ms = await run(url, var_dir, workers, args.n, args.verify_every, options)
                print(
                    f"{kind:8} {workers} worker(s): {rate:6.0f} pushes/s, "
                    f"{cpu_ms:.2f} ms of worker CPU per push"
                )


if __name__ == "__main__":
    asyncio.run(main())
