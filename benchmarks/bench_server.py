"""Sync server benchmarks against a real server process (`timeforged-server serve`) on
127.0.0.1, on SQLite and on a throwaway PostgreSQL cluster with its durable defaults (fsync,
synchronous commit). Each figure is printed with its target and OK/MISS, and with the CPU
time the server (and PostgreSQL) spent, since the 2 cores are shared with the load generator
and whatever else runs on the machine.

    .venv/bin/python benchmarks/bench_server.py [--heartbeats 100000] [--rps 500]
        [--seconds 20] [--year-heartbeats 5000000] [--backends sqlite,postgresql]
        [--only ingest,latency,live,year] [--repeat 1] [--workers 1 (PostgreSQL)]
        [--live-pairs 7]
    .venv/bin/python benchmarks/bench_server.py --only horizontal   # not in the default set

- bulk ingest: 2 clients post `heartbeats.bulk` requests of 1,000 (bodies encoded before the
  clock starts) over keep-alive connections;
- latency: an open-loop generator (asyncio, raw HTTP/1.1 over keep-alive sockets) sends
  single heartbeats at fixed times, opening another connection whenever all are busy, and
  times each from when it was due (no coordinated omission). It runs on the same 2 cores;
- live: bulk ingest as above (runs of half of --heartbeats), without and with 1,000 clients
  subscribed to the ingesting user's live totals (Server-Sent Events, every update sent to
  each; every request also brings one heartbeat of today, so every commit changes today's
  totals): a warm-up run, then pairs of adjacent runs (without/with, with/without...); the
  median of the pairs' ratios must be at least 90 % (the rate within 10 %);
- year summary: `stats/last_year` over a database built once through the server's own bulk
  ingest (heartbeats 6 s apart over 360 days, so every day's rollup is real) and cached in
  benchmarks/.cache/; the median of 7 requests after a first one that brings the rollups
  current;
- horizontal (only when asked): 1, 2 and 4 server processes on one PostgreSQL under open-loop
  load, benchmarks/bench_server_horizontal.py with its defaults (run that for its options).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import multiprocessing
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server.conftest import ServerProcess, admin  # noqa: E402
from tests.server.pgcluster import PgCluster, available  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
YEAR_STEP = 6.0  # seconds between the year's heartbeats: 5M of them cover ~347 days
BULK = "/api/v1/users/current/heartbeats.bulk"


def line(name: str, figure: float, unit: str, target: float, higher_better: bool,
         note: str = "") -> None:
    ok = figure >= target if higher_better else figure < target
    sign = ">=" if higher_better else "<"
    print(f"{name:<52} {figure:>10,.1f} {unit:<8} target {sign} {target:>6,.0f}  "
          f"{'OK  ' if ok else 'MISS'}  {note}", flush=True)


class CpuMeter:
    """CPU seconds of the server process(es), PostgreSQL's, and this process (the client)."""

    def __init__(self, server: ServerProcess | list[ServerProcess],
                 cluster: PgCluster | None) -> None:
        servers = server if isinstance(server, list) else [server]
        self.procs = [psutil.Process(s.proc.pid) for s in servers]
        self.pg = psutil.Process(cluster.postmaster_pid()) if cluster else None

    @staticmethod
    def _tree(proc: psutil.Process) -> float:
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def read(self) -> tuple[float, float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return (sum(self._tree(p) for p in self.procs),
                self._tree(self.pg) if self.pg else 0.0, usage.ru_utime + usage.ru_stime)

    def since(self, before: tuple[float, float, float]) -> tuple[float, float, float]:
        now = self.read()
        return now[0] - before[0], now[1] - before[1], now[2] - before[2]


def cpu_note(cpu: tuple[float, float, float], wall: float, per: int, unit: str) -> str:
    server, pg, client = cpu
    text = f"wall {wall:.1f} s; CPU server {server:.1f} s"
    if pg:
        text += f" + PostgreSQL {pg:.1f} s"
    text += f" = {(server + pg) / per * 1e6:.0f} us/{unit}; client {client:.1f} s"
    return text


def beats(n: int, start: float, step: float = 30.0) -> list[dict]:
    langs = ("Python", "Rust", "Go", "TypeScript")
    return [{"entity": f"/src/p{(i // 40) % 7}/f{(i // 10) % 50}.py", "time": start + i * step,
             "project": f"p{(i // 40) % 7}", "language": langs[(i // 25) % 4], "type": "file",
             "is_write": i % 13 == 0, "lines": 100 + i % 400, "lineno": i % 100,
             "branch": "main"}
            for i in range(n)]


def auth_header(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()  # as WakaTime plugins send it


def post_all(port: int, key: str, bodies: list[bytes], clients: int = 2) -> None:
    """Post the bodies with `clients` threads, each over one keep-alive connection, each
    sending its share in order."""
    errors: list[str] = []

    def send(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in mine:
            conn.request("POST", BULK, body=body, headers={
                "Authorization": auth_header(key), "Content-Type": "application/json",
                "X-Machine-Name": "bench"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                errors.append(f"{resp.status}")
                return
        conn.close()

    threads = [threading.Thread(target=send, args=(bodies[i::clients],))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} bulk requests failed: {errors[:5]}")


def ingest(server: ServerProcess, cpu: CpuMeter, key: str, n: int, label: str) -> None:
    data = beats(n, time.time() - n * 30 - 3600)
    bodies = [json.dumps(data[i:i + 1000]).encode() for i in range(0, n, 1000)]
    before = cpu.read()
    began = time.perf_counter()
    post_all(server.port, key, bodies)
    wall = time.perf_counter() - began
    line(f"bulk ingest, {label} ({n:,} heartbeats)", n / wall, "beats/s", 20_000, True,
         cpu_note(cpu.since(before), wall, n, "beat"))


class Subscribers:
    """`count` clients of the live stream (GET .../live, Server-Sent Events), each over its
    own connection, read by an event loop in a thread; counts the events they receive."""

    def __init__(self, port: int, key: str, count: int) -> None:
        self.port, self.key, self.count = port, key, count
        self.events = 0
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.failed: list[str] = []
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),),
                                       daemon=True)
        self.thread.start()

    async def _one(self, started: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(b"GET /api/v1/users/current/live HTTP/1.1\r\nHost: bench\r\n"
                     b"Authorization: " + auth_header(self.key).encode() + b"\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            self.failed.append(head[:40].decode())
            return
        first = True
        try:
            while line := await reader.readline():
                if line.startswith(b"event: totals"):
                    self.events += 1
                    if first:
                        first = False
                        started[0] += 1
                        if started[0] == self.count:
                            self.ready.set()
        finally:
            writer.close()

    async def _run(self) -> None:
        started = [0]
        self.tasks = [asyncio.create_task(self._one(started)) for _ in range(self.count)]
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def close(self) -> None:
        for task in self.tasks:
            self.loop.call_soon_threadsafe(task.cancel)
        self.thread.join(timeout=30)


def _subscribe(port: int, key: str, count: int, ready: Any, events: Any, stop: Any) -> None:
    """In a child process (so the subscribers' reading does not take the load generator's
    GIL): `count` subscribers until `stop`, their event count in `events`."""
    subs = Subscribers(port, key, count)
    if subs.ready.wait(120) and not subs.failed:
        ready.set()
    while not stop.wait(0.2):
        events.value = subs.events
    events.value = subs.events
    subs.close()


def live(server: ServerProcess, cpu: CpuMeter, key: str, n: int, label: str,
         clients: int = 1000, pairs: int = 7) -> None:
    """Bulk ingest without and with `clients` subscribers of the ingesting user's live
    totals (each subscriber is sent every update): after a warm-up run, `pairs` pairs of
    adjacent runs (without then with, with then without, alternately, so that a drift of the
    machine's load falls on both sides); the figure is the median of the pairs' ratios."""
    ratios: list[float] = []
    rates: dict[bool, list[float]] = {False: [], True: []}
    used: dict[bool, list[float]] = {False: [], True: []}  # server (+ PostgreSQL) CPU/beat
    runs = [False] + [s for i in range(pairs) for s in ((False, True) if i % 2 == 0
                                                         else (True, False))]
    start = time.time() - len(runs) * n * 30 - 7200
    events = 0
    for round_, subscribed in enumerate(runs):
        data = beats(n, start + round_ * n * 30)
        today = time.time() - 300
        for i in range(999, n, 1000):  # each request also brings one of today, as plugins do
            data[i] = {**data[i], "time": today + i / 1000, "project": "today",
                       "entity": "/src/today.py"}
        bodies = [json.dumps(data[i:i + 1000]).encode() for i in range(0, n, 1000)]
        child = None
        if subscribed:
            ctx = multiprocessing.get_context("fork")
            ready, stop, count = ctx.Event(), ctx.Event(), ctx.Value("l", 0)
            child = ctx.Process(target=_subscribe, args=(server.port, key, clients, ready,
                                                         count, stop))
            child.start()
            if not ready.wait(120):
                raise RuntimeError("the subscribers did not all connect")
            time.sleep(0.5)
            before_events = count.value
        before = cpu.read()
        began = time.perf_counter()
        post_all(server.port, key, bodies)
        rate = n / (time.perf_counter() - began)
        server_cpu, pg_cpu, _ = cpu.since(before)
        if child:
            stop.set()
            child.join(60)
            events += count.value - before_events
        if round_ == 0:
            continue  # the warm-up
        rates[subscribed].append(rate)
        used[subscribed].append((server_cpu + pg_cpu) / n * 1e6)
        if len(rates[True]) == len(rates[False]):
            ratios.append(rates[True][-1] / rates[False][-1] * 100)
    med = statistics.median
    line(f"bulk ingest with {clients:,} live subscribers, {label}", med(ratios), "% of it",
         90, True, f"median of {pairs} pairs of runs of {n:,} (each {min(ratios):.0f}-"
         f"{max(ratios):.0f} %); {med(rates[True]):,.0f} beats/s with, "
         f"{med(rates[False]):,.0f} without; {events:,} events delivered during ingest; "
         f"server CPU {med(used[True]):.1f} us/beat with, {med(used[False]):.1f} without "
         f"({med(used[True]) / med(used[False]) * 100:.0f} %: what the load of the shared "
         f"machine moves least)")


async def _open_loop(port: int, key: str, rps: int, seconds: float
                     ) -> tuple[list[float], int, int, float]:
    """Latencies (s, from each request's due time), failures, connections used, wall."""
    total = int(rps * seconds)
    idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = deque()  # oldest first
    opened = 0
    auth = auth_header(key)
    now = time.time() - 600

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        nonlocal opened
        opened += 1
        return await asyncio.open_connection("127.0.0.1", port)

    for _ in range(16):
        idle.append(await connect())
    latencies: list[float] = []
    failures = 0

    async def exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                       request: bytes) -> bytes:
        reader, writer = conn
        writer.write(request)
        return await reader.readuntil(b"\r\n\r\n")

    async def one(i: int, due: float) -> None:
        nonlocal failures
        body = json.dumps({"entity": f"/src/x{i // 50 % 20}.py", "time": now + i * 0.01,
                           "language": "Python", "project": "bench"}).encode()
        request = (b"POST /api/v1/users/current/heartbeats HTTP/1.1\r\nHost: bench\r\n"
                   b"Authorization: " + auth.encode() + b"\r\nContent-Type: application/json"
                   b"\r\nX-Machine-Name: bench\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\n\r\n" + body)
        conn = idle.popleft() if idle else await connect()
        try:
            head = await exchange(conn, request)
        except (asyncio.IncompleteReadError, ConnectionError):  # closed while idle: reconnect
            conn = await connect()
            head = await exchange(conn, request)
        reader = conn[0]
        length = 0
        for raw in head.split(b"\r\n"):
            if raw.lower().startswith(b"content-length:"):
                length = int(raw.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - due)
        if not head.startswith(b"HTTP/1.1 201"):
            failures += 1
        idle.append(conn)

    start = time.perf_counter() + 0.2
    tasks = []
    for i in range(total):
        due = start + i / rps
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    for _, writer in idle:
        writer.close()
    return latencies, failures, opened, wall


def latency(server: ServerProcess, cpu: CpuMeter, key: str, rps: int, seconds: float,
            label: str) -> None:
    try:
        import uvloop
        run: Callable = uvloop.run
    except ImportError:
        run = asyncio.run
    before = cpu.read()
    results, failures, conns, wall = run(_open_loop(server.port, key, rps, seconds))
    used = cpu.since(before)
    results.sort()
    p99 = results[max(0, int(len(results) * 0.99) - 1)] * 1000
    note = (f"p50 {statistics.median(results) * 1000:.1f} ms, max {results[-1] * 1000:.0f} ms, "
            f"{len(results) / wall:.0f} req/s done, {failures} failed, {conns} connections; "
            + cpu_note(used, wall, len(results), "req"))
    line(f"p99 at {rps} single heartbeats/s, {label}", p99, "ms", 50, False, note)


def year_summary(server: ServerProcess, key: str, label: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)

    data: dict = {}

    def get() -> float:
        began = time.perf_counter()
        conn.request("GET", "/api/v1/users/current/stats/last_year",
                     headers={"Authorization": f"Bearer {key}"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, body[:300]
        elapsed = time.perf_counter() - began
        data.update(json.loads(body)["data"])
        return elapsed

    first = get()  # brings the rollups current (the scheduler's job on a live server)
    times = sorted(get() for _ in range(7))
    line(f"year summary (stats/last_year), {label}", statistics.median(times) * 1000, "ms", 200,
         False, f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; "
                f"first request (rollups brought current) {first:.1f} s; the year holds "
                f"{data['total_seconds'] / 3600:,.0f} h over {len(data['projects'])} projects")


def build_year(url: str, cluster: PgCluster | None, n: int, keyfile: Path) -> None:
    """Fill `url` with `n` heartbeats through the server's bulk ingest."""
    server = ServerProcess(url, keyfile.with_suffix(".log"), jobs_interval_seconds="0",
                           rate_per_second="1e9", rate_burst="1000000000").start()
    try:
        admin(url, "create-user", "bench")
        key = admin(url, "create-key", "bench").strip()
        start = time.time() - n * YEAR_STEP - 7200
        began = time.perf_counter()
        step = 100_000
        for i in range(0, n, step):
            data = beats(min(step, n - i), start + i * YEAR_STEP, YEAR_STEP)
            post_all(server.port, key, [json.dumps(data[j:j + 1000]).encode()
                                        for j in range(0, len(data), 1000)])
        print(f"(built {n:,} heartbeats into {url} in {time.perf_counter() - began:.0f} s)",
              flush=True)
    finally:
        server.stop()
    keyfile.write_text(key)


def year(backend: str, n: int, tmp: Path) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"server-year-v2-{n}"
    keyfile = CACHE / f"{name}-{backend}.key"
    if keyfile.exists() and time.time() - keyfile.stat().st_mtime > 14 * 86400:
        keyfile.unlink()  # its oldest days are sliding out of the last year: build anew
    cluster = None
    if backend == "postgresql":
        fresh = not keyfile.exists()
        if fresh:
            shutil.rmtree(CACHE / f"{name}-pg", ignore_errors=True)
        cluster = PgCluster(CACHE / f"{name}-pg", durable=True, keep=True).start()
        url = cluster.url.rsplit("/", 1)[0] + "/bench"
        if fresh:
            url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{CACHE / name}.sqlite3"
        if not keyfile.exists():
            Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    try:
        if not keyfile.exists():
            build_year(url, cluster, n, keyfile)
        server = ServerProcess(url, tmp / f"year-{backend}.log", jobs_interval_seconds="0").start()
        try:
            year_summary(server, keyfile.read_text(), f"{n:,} heartbeats, {backend}")
        finally:
            server.stop()
    finally:
        if cluster:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--heartbeats", type=int, default=100_000)
    parser.add_argument("--rps", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--year-heartbeats", type=int, default=5_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--only", default="ingest,latency,live,year")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--live-pairs", type=int, default=7,
                        help="live: pairs of runs without and with subscribers")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes on PostgreSQL (SQLite takes one)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"{psutil.cpu_count()} cores, shared by the server, PostgreSQL and this load "
          f"generator (and anything else running: load average now "
          f"{psutil.getloadavg()[0]:.1f}). PostgreSQL runs with fsync and synchronous commit "
          f"on; SQLite in WAL with synchronous=NORMAL (a killed process loses no commit).")
    print("For scale: one seed's backend promised 10,000 heartbeats per minute (167/s); "
          "Wakapi's users report 15-30 s for a year chart over half a million heartbeats.")
    if "horizontal" in only:
        from bench_server_horizontal import main as horizontal

        horizontal([])
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-"))
    try:
        for backend in args.backends.split(","):
            if backend == "postgresql" and not available():
                print("postgresql: initdb/pg_ctl not installed; skipped")
                continue
            if only & {"ingest", "latency", "live"}:
                for run in range(args.repeat):
                    fast(backend, args, only, tmp / f"{backend}-{run}")
            if "year" in only:
                year(backend, args.year_heartbeats, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fast(backend: str, args: argparse.Namespace, only: set[str], tmp: Path) -> None:
    tmp.mkdir(parents=True)
    cluster = None
    if backend == "postgresql":
        cluster = PgCluster(durable=True).start()
        url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    try:
        admin(url, "create-user", "bench")
        key = admin(url, "create-key", "bench").strip()
        for what in ("ingest", "latency", "live"):
            if what not in only:
                continue
            workers = args.workers if cluster else 1
            server = ServerProcess(url, tmp / f"{what}.log", workers=workers,
                                   jobs_interval_seconds="0", rate_per_second="1000000",
                                   rate_burst="1000000").start()
            label = backend + (f", {workers} processes" if workers > 1 else "")
            try:
                cpu = CpuMeter(server, cluster)
                if what == "ingest":
                    ingest(server, cpu, key, args.heartbeats, label)
                elif what == "live":
                    live(server, cpu, key, args.heartbeats // 2, label,
                         pairs=args.live_pairs)
                else:
                    latency(server, cpu, key, args.rps, args.seconds, label)
            finally:
                server.stop()
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
