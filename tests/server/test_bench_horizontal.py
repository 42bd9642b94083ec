"""The horizontal benchmark's load generator and its stored-once cross-check, against two real
server processes on one PostgreSQL (so the benchmark keeps measuring what it claims)."""

from __future__ import annotations

import asyncio
import time

from benchmarks.bench_server_horizontal import cross_check, open_loop
from tests.server.conftest import ServerProcess, admin


def test_every_acknowledged_heartbeat_is_stored_once(pg_cluster, tmp_path) -> None:
    url = pg_cluster.create_database("bench_horizontal")
    keys = []
    for name in ("u0", "u1"):
        admin(url, "create-user", name)
        keys.append(admin(url, "create-key", name).strip())
    servers = [ServerProcess(url, tmp_path / f"server{i}.log", jobs_interval_seconds="0",
                             rate_per_second="1e9", rate_burst="1000000000").start()
               for i in range(2)]
    try:
        base = time.time() - 86400
        run = asyncio.run(open_loop([s.port for s in servers], keys, 100, 1, base, 60))
    finally:
        for server in servers:
            server.stop()
    assert not run.errors and len(run.acked) == 100 == len(run.latencies)
    assert cross_check(url, base, 100, run.acked) == (100, 0, 0)
    assert cross_check(url, base, 50, run.acked) == (50, 50, 0)  # a missing one shows
