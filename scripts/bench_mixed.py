"""A citizen's submission while many phones read their dashboards from the database (not a test):
`python scripts/bench_mixed.py [--engine sqlite postgres] [--baseline REF]`.

`make bench` measures reads alone and `make bench-writes` writes alone; this measures one
against the other. On `make bench`'s seeded databases (seeded here if missing), `portal serve`
with HOT_CACHE=false (every dashboard a database read, as after a change) takes `--concurrency`
closed-loop dashboard readers, and meanwhile one client submits an application every 0.2 s
(a new Idempotency-Key each) and reports the submissions' latency. It found that SQLite's
reads done on the event loop made each of a transaction's statements wait a whole loop round
(~14 ms): a submission 31 → 350 ms (lib.sqlite.PooledSQLiteEngine.read_inline).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_dashboard import (  # noqa: E402 (sys.path first)
    RESULTS,
    Connection,
    CpuMeter,
    Load,
    bench_sessions,
    checkout,
    closed_loop,
    database,
    free_port,
    portal_argv,
    request_bytes,
    say,
    seeded_random,
    server,
    token_of,
)
from bench_writes import submission  # noqa: E402

SUBMISSIONS = 40
EVERY_S = 0.2


async def measure(kind: str, label: str, root: Path, args: argparse.Namespace) -> str:
    async with database(kind, args.citizens, args.applications, False) as (target, _):
        env = {**os.environ, "DATABASE_URL": target.url, "VAR_DIR": str(RESULTS / f"var-{kind}"),
               "HOT_CACHE": "false", "PYTHONPATH": str(root)}  # fmt: skip
        port = free_port()
        log = RESULTS / f"mixed-{kind}-{label}.log"
        async with server(portal_argv(port, 1), port, env, log, root) as pid:
            rng = seeded_random(None)
            accounts = await bench_sessions(target)
            reads = [request_bytes(token_of(a)) for a in accounts]

            async def meter() -> CpuMeter:
                return CpuMeter(pid, await target.db_pids())

            duration = SUBMISSIONS * EVERY_S * 1.5
            load = Load(port, args.concurrency, 1.0, duration, meter)
            reading = asyncio.create_task(closed_loop(load, lambda: rng.choice(reads)))
            await asyncio.sleep(2.0)
            client = await Connection.open(port)
            latencies, statuses = [], set()
            for _ in range(SUBMISSIONS):
                started = time.perf_counter()
                status, _, _ = await client.send(submission(rng.choice(accounts)))
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.add(status)
                await asyncio.sleep(EVERY_S)
            client.close()
            read = await reading
    latencies.sort()
    return (
        f"{label:<10} {kind:<9} reads {read.rps:>6.0f} req/s  submissions ms: "
        f"p50 {statistics.median(latencies):6.1f}  p90 {latencies[int(0.9 * len(latencies))]:6.1f}"
        f"  max {latencies[-1]:6.1f}  statuses {sorted(statuses)}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", nargs="+", default=["sqlite"], choices=["sqlite", "postgres"])
    parser.add_argument("--baseline", metavar="REF", help="also measure this commit, first")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--citizens", type=int, default=100_000, help="PostgreSQL; SQLite /10")
    parser.add_argument("--applications", type=int, default=1_000_000, help="likewise")
    args = parser.parse_args()
    lines = []
    for kind in args.engine:
        scale = 10 if kind == "sqlite" else 1
        kind_args = argparse.Namespace(**{**vars(args), "citizens": args.citizens // scale,
                                          "applications": args.applications // scale})  # fmt: skip
        if args.baseline:
            with checkout(args.baseline) as root:
                lines.append(await measure(kind, args.baseline, root, kind_args))
                say(lines[-1])
        lines.append(await measure(kind, "this", ROOT, kind_args))
        say(lines[-1])


if __name__ == "__main__":
    uvloop.install()
    asyncio.run(main())
