"""The sync server scaled out: 1, 2 and 4 `timeforged-server serve` processes, each on its own
port, on ONE throwaway PostgreSQL cluster (fsync and synchronous commit on), under a fixed
offered load of single heartbeats (an editor plugin's request) at several levels.

    .venv/bin/python benchmarks/bench_server_horizontal.py [--processes 1,2,4]
        [--rates 500,1000,2000,3000] [--seconds 10] [--users 8] [--drain 10]
        [--cap CORES] [--pg-cap CORES]

The load is open loop: request i is due at start + i / rate whatever happened to the earlier
ones, goes to process i mod N (no proxy: the generator spreads the load, as a round-robin
balancer would) on a keep-alive connection of that process's pool (another is opened when
all are busy, up to 256 connections in all, shared evenly; beyond, the request waits for one,
which counts in its latency), and is timed from when it was due, so queueing shows. Requests
still unanswered --drain seconds after the last was due count as errors with an infinite
latency. The heartbeats come from --users users (their writes are serialised per user, as
on a real server, so one user alone would measure that lock).

After each run, the heartbeats stored in that run's time window are counted: every
acknowledged (201) heartbeat must be there exactly once, and nothing else but heartbeats of
requests that failed or went unanswered.

The table: offered and achieved rate (201s per second from the first due time to the last
answer), p50/p99 latency, errors, the CPU the server processes, PostgreSQL and this load
generator used (in cores: CPU seconds / wall seconds), what every other process on the
machine used meanwhile (others), the server's and PostgreSQL's CPU per acknowledged heartbeat,
and PostgreSQL's commits per second (from pg_stat_database, which backends update at most
once a second: approximate). One load generator process shares the 2 cores with
everything else; its worst lag behind schedule is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import cpu_cap  # noqa: E402
from benchmarks.bench_server import CpuMeter, auth_header  # noqa: E402
from tests.server.conftest import ServerProcess, admin  # noqa: E402
from tests.server.pgcluster import PgCluster, available  # noqa: E402

PATH = b"/api/v1/users/current/heartbeats"
CONNECTIONS = 256  # at most, in all: the same clients whatever the number of processes
STEP = 0.01  # seconds between the heartbeats of a run (each heartbeat's time is unique)


@dataclass
class Run:
    """What one open-loop run saw."""

    latencies: list[float] = field(default_factory=list)  # seconds from due; inf: unanswered
    acked: list[float] = field(default_factory=list)  # heartbeat times answered 201
    errors: Counter[str] = field(default_factory=Counter)
    lag: float = 0.0  # the sender's worst delay behind its schedule
    wall: float = 0.0


class Pool:
    """Keep-alive connections to one server process."""

    def __init__(self, port: int, most: int) -> None:
        self.port, self.most = port, most
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = \
            asyncio.Queue()
        self.opened = 0

    async def get(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not self.idle.empty():
            return self.idle.get_nowait()
        if self.opened < self.most:
            self.opened += 1
            return await self.connect()
        return await self.idle.get()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait()[1].close()


def request(key: str, when: float) -> bytes:
    body = json.dumps({"entity": f"/src/x{int(when) % 20}.py", "time": when,
                       "language": "Python", "project": "bench", "type": "file"}).encode()
    return (b"POST " + PATH + b" HTTP/1.1\r\nHost: bench\r\nAuthorization: "
            + auth_header(key).encode() + b"\r\nContent-Type: application/json\r\n"
            b"X-Machine-Name: bench\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body)


async def exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes
                   ) -> bytes:
    """Sends one request; returns the response's status line."""
    reader, writer = conn
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for raw in head.split(b"\r\n"):
        if raw.lower().startswith(b"content-length:"):
            length = int(raw.split(b":", 1)[1])
    await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0]


async def open_loop(ports: list[int], keys: list[str], rate: float, seconds: float,
                    base: float, drain: float) -> Run:
    """`rate` requests a second for `seconds`, request i to ports[i % N] as user
    keys[(i // N) % U], its heartbeat at time base + i * STEP."""
    pools = [Pool(port, CONNECTIONS // len(ports)) for port in ports]
    run = Run()
    total = int(rate * seconds)

    async def one(i: int, due: float) -> None:
        pool = pools[i % len(pools)]
        when = base + i * STEP
        data = request(keys[(i // len(pools)) % len(keys)], when)
        conn = await pool.get()
        try:
            try:
                status = await exchange(conn, data)
            except (asyncio.IncompleteReadError, ConnectionError):  # closed while idle
                conn[1].close()
                conn = await pool.connect()
                status = await exchange(conn, data)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            pool.opened -= 1
            run.errors[type(exc).__name__] += 1
            run.latencies.append(math.inf)
            return
        run.latencies.append(time.perf_counter() - due)
        if status.startswith(b"HTTP/1.1 201"):
            run.acked.append(when)
        else:
            run.errors[status.decode(errors="replace")[9:]] += 1
        pool.idle.put_nowait(conn)

    start = time.perf_counter() + 0.2
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            run.lag = max(run.lag, -delay)
        tasks.append(asyncio.create_task(one(i, due)))
    done, pending = await asyncio.wait(tasks, timeout=drain)
    run.wall = time.perf_counter() - start
    for task in done:
        if task.exception():  # anything but a closed connection: counted, not lost
            run.errors[type(task.exception()).__name__] += 1
            run.latencies.append(math.inf)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if pending:
        run.errors["unanswered"] += len(pending)
        run.latencies += [math.inf] * len(pending)
    for pool in pools:
        pool.close()
    return run


def cross_check(url: str, base: float, total: int, acked: list[float]) -> tuple[int, int, int]:
    """(rows stored in the run's window, acknowledged heartbeats missing, stored twice)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT time FROM heartbeat WHERE time >= %s AND time < %s",
                        (base, base + total * STEP))
            stored = Counter(row[0] for row in cur.fetchall())
    finally:
        conn.close()
    missing = sum(1 for when in acked if when not in stored)
    twice = sum(count - 1 for count in stored.values() if count > 1)
    return sum(stored.values()), missing, twice


def commits(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = "
                        "current_database()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def busy() -> float:
    """The machine's CPU seconds spent so far (all processes, all cores)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, math.ceil(len(values) * q) - 1)]


def ms(seconds: float) -> str:
    return "unanswered" if math.isinf(seconds) else f"{seconds * 1000:,.0f}"


def event_loop_runner():
    try:
        import uvloop
        return uvloop.run
    except ImportError:
        return asyncio.run


HEADER = (f"{'procs':>5} {'offered':>8} {'achieved':>9} {'p50 ms':>8} {'p99 ms':>10} "
          f"{'errors':>7} {'server':>7} {'PG':>6} {'client':>7} {'others':>7} "
          f"{'us/beat':>8} {'commits/s':>10} {'lag ms':>7}  stored (missing, twice)")


def measure(url: str, cluster: PgCluster, servers: list[ServerProcess], keys: list[str],
            rate: float, args: argparse.Namespace, base: float) -> dict:
    meter = CpuMeter(servers, cluster)
    before, machine, commits_before = meter.read(), busy(), commits(url)
    run = event_loop_runner()(open_loop([s.port for s in servers], keys, rate, args.seconds,
                                        base, args.drain))
    server_cpu, pg_cpu, client_cpu = meter.since(before)
    machine = busy() - machine
    made = commits(url) - commits_before - 2  # less the two reads of the counter
    total = int(rate * args.seconds)
    stored, missing, twice = cross_check(url, base, total, run.acked)
    errors = sum(run.errors.values())
    if missing or twice or stored - len(run.acked) > errors:
        raise AssertionError(f"stored {stored} for {len(run.acked)} acknowledged and {errors} "
                             f"failed: {missing} missing, {twice} stored twice")
    answered = [x for x in run.latencies if not math.isinf(x)]
    row = dict(procs=len(servers), offered=rate, achieved=len(run.acked) / run.wall,
               p50=statistics.median(run.latencies), p99=percentile(run.latencies, 0.99),
               errors=errors, server=server_cpu / run.wall, pg=pg_cpu / run.wall,
               client=client_cpu / run.wall,
               others=(machine - server_cpu - pg_cpu - client_cpu) / run.wall,
               per_beat=(server_cpu + pg_cpu) / max(len(run.acked), 1),
               server_beat=server_cpu / max(len(run.acked), 1),
               commits=made / run.wall, lag=run.lag, stored=stored, missing=missing,
               twice=twice, kinds=dict(run.errors), answered=len(answered))
    print(f"{row['procs']:>5} {rate:>8,.0f} {row['achieved']:>9,.0f} {ms(row['p50']):>8} "
          f"{ms(row['p99']):>10} {errors:>7} {row['server']:>7.2f} {row['pg']:>6.2f} "
          f"{row['client']:>7.2f} {row['others']:>7.2f} {row['per_beat'] * 1e6:>8,.0f} "
          f"{row['commits']:>10,.0f} "
          f"{run.lag * 1000:>7.0f}  {stored:,} ({missing}, {twice})"
          + (f"  {dict(run.errors)}" if run.errors else ""), flush=True)
    return row


def verdict(rows: list[dict], cap: float | None = None, pg_cap: float | None = None) -> None:
    """Each process count's ceiling (its best achieved rate), and what was busy there (the
    share of its cores, or of its cap, each part used)."""
    cores = psutil.cpu_count()
    print("\nCeiling per process count (best achieved rate; 'sustained': the highest offered "
          "load achieved to 95 % with no error):")
    for procs in sorted({r["procs"] for r in rows}):
        mine = [r for r in rows if r["procs"] == procs]
        kept = [r for r in mine if not r["errors"] and r["achieved"] >= 0.95 * r["offered"]]
        top = max(mine, key=lambda r: r["achieved"])
        ours = top["server"] + top["pg"] + top["client"]
        busiest = max(
            ("the machine (others' work included)", (ours + top["others"]) / cores,
             f"its {cores} cores"),
            ("the server processes", top["server"] / procs / (cap or 1),
             f"their cap of {cap} cores each" if cap else "a core each"),
            ("PostgreSQL", top["pg"] / (pg_cap or 1),
             f"its cap of {pg_cap} cores" if pg_cap else "a core"), key=lambda x: x[1])
        print(f"  {procs} process(es): {top['achieved']:,.0f}/s (offered "
              f"{top['offered']:,.0f}/s, p99 {ms(top['p99'])} ms); sustained "
              f"{max((r['offered'] for r in kept), default=0):,.0f}/s. There: server "
              f"{top['server']:.2f} cores ({top['server'] / procs:.2f} per process), PostgreSQL "
              f"{top['pg']:.2f}, load generator {top['client']:.2f}, others {top['others']:.2f} "
              f"of {cores}; {top['achieved'] / max(top['commits'], 1):.1f} heartbeats per "
              f"commit; busiest: {busiest[0]}, {busiest[1]:.0%} of {busiest[2]}")
    for procs in sorted({r["procs"] for r in rows}):
        best = min((r for r in rows if r["procs"] == procs), key=lambda r: r["per_beat"])
        bound = min(cores / best["per_beat"], procs / best["server_beat"])
        print(f"  {procs} process(es): server + PostgreSQL CPU {best['per_beat'] * 1e6:,.0f} "
              f"us per heartbeat at best ({best['offered']:,.0f}/s): on {cores} cores of "
              f"their own, at most about {bound:,.0f}/s (the cores, and one core per process: "
              f"computed from the figures above, not measured)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--rates", default="500,1000,2000,3000",
                        help="offered loads, single heartbeats per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--drain", type=float, default=10,
                        help="seconds to wait for answers after the last request was due")
    parser.add_argument("--cap", type=float, help="cap each server process at this many "
                        "cores (a cgroup CPU quota: a core of its own, scaled down)")
    parser.add_argument("--pg-cap", type=float, help="cap PostgreSQL (all its processes) at "
                        "this many cores")
    args = parser.parse_args(argv)
    if not available():
        print("postgresql: initdb/pg_ctl not installed; nothing measured")
        return
    if (args.cap or args.pg_cap) and cpu_cap.why_not():
        print(f"CPU caps asked for, but {cpu_cap.why_not()}; nothing measured")
        return
    print(f"{psutil.cpu_count()} cores, shared by the server processes, PostgreSQL, this load "
          f"generator and anything else running (load average now "
          f"{psutil.getloadavg()[0]:.1f}). PostgreSQL runs with fsync and synchronous commit "
          f"on. CPU columns are cores (CPU seconds / wall seconds); 'others' is every other "
          f"process on the machine.", flush=True)
    if args.cap or args.pg_cap:
        print(f"Capped by cgroup CPU quotas: each server process at "
              f"{args.cap or 'no'} cores, PostgreSQL (all its processes) at "
              f"{args.pg_cap or 'no'} cores: a small machine's cores standing in for a larger "
              f"machine's (the shape of the scaling, not its size).", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-horizontal-"))
    cluster = PgCluster(durable=True).start()
    pg_cap = cpu_cap.CpuCap("pg", args.pg_cap) if args.pg_cap else None
    if pg_cap:
        pg_cap.add(cluster.postmaster_pid())
    rows: list[dict] = []
    try:
        url = cluster.create_database("bench")
        keys = []
        for k in range(args.users):
            admin(url, "create-user", f"u{k}")
            keys.append(admin(url, "create-key", f"u{k}").strip())
        base = time.time() - 7 * 86400  # each run's heartbeats in a window of their own
        print(HEADER, flush=True)
        for procs in (int(p) for p in args.processes.split(",")):
            servers: list[ServerProcess] = []
            caps: list[cpu_cap.CpuCap] = []  # one per server process
            try:
                for i in range(procs):
                    servers.append(ServerProcess(
                        url, tmp / f"server-{procs}-{i}.log", jobs_interval_seconds="0",
                        rate_per_second="1e9", rate_burst="1000000000").start())
                    if args.cap:
                        caps.append(cpu_cap.CpuCap(f"server{i}", args.cap))
                        caps[-1].add(servers[-1].proc.pid)
                warm = event_loop_runner()(open_loop(
                    [s.port for s in servers], keys, 100, 2, base, args.drain))
                if warm.errors:
                    raise RuntimeError(f"warm-up failed: {dict(warm.errors)}")
                base += 3600
                for rate in (float(r) for r in args.rates.split(",")):
                    rows.append(measure(url, cluster, servers, keys, rate, args, base))
                    base += 3600
            finally:
                for server in servers:
                    server.stop()
                for cap in caps:
                    cap.close()
        verdict(rows, args.cap, args.pg_cap)
    finally:
        cluster.stop()
        if pg_cap:
            pg_cap.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
