"""The web dashboard's first paint over a year of data: GET /dashboard (the whole HTML, inline
SVG included) from a real server process on SQLite, per range.

    python benchmarks/bench_dashboard.py [--days 365] [--repeat 7]

The database holds a year of synced desktop spans of two machines (benchmarks/synthetic.py:
~1,700 spans a weekday, a couple of hundred thousand distinct activities) and a WakaTime
plugin's heartbeats on a third machine (one a minute, 2 hours a weekday), built once through
the server's own code and cached in benchmarks/.cache (rebuilt after a week: it ends today).
Prints, per range (and filters, and a project page), the median time of GET after one warm-up
request, the target (300 ms) and the ratio."""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import day_spans  # noqa: E402
from server import auth  # noqa: E402
from server.config import ServerConfig  # noqa: E402
from server.db import Database  # noqa: E402
from server.history import History  # noqa: E402
from tests.server.conftest import ServerProcess  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
TARGET_MS = 300.0
PAGES = ["/dashboard?range=today", "/dashboard?range=last_7_days",
         "/dashboard?range=last_30_days", "/dashboard?range=this_month",
         "/dashboard?range=this_year", "/dashboard?range=last_7_days&project=project-000",
         "/dashboard?range=this_year&language=Python&machine=laptop",
         "/dashboard/project/project-000?range=this_year"]
MACHINES = {"desk": "0c1d2e3f-0000-4000-8000-00000000d35c", "laptop":
            "0c1d2e3f-0000-4000-8000-0000001a9709"}


def build(url: str, days: int) -> str:
    """A year of data for user "bench"; returns an API key."""
    from fastapi.testclient import TestClient

    from server.app import create_app

    db = Database(url)
    db.migrate()
    user = auth.create_user(db, "bench")
    key = auth.create_key(db, user)
    history = History(db)
    for name, device in MACHINES.items():
        history.claim_device(user, device, name)
    today = date.today()
    began = time.perf_counter()
    count = 0
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        device = MACHINES["desk" if day.weekday() % 2 else "laptop"]
        spans = [s for s in day_spans(day, device) if s.end < time.time()]
        history.put_spans(user, spans, [time.time()] * len(spans))
        count += len(spans)
    app = create_app(ServerConfig(database=url, jobs_interval_seconds=0), db, scheduler=False)
    beats = 0
    with TestClient(app) as client:
        for back in range(days - 1, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            t0 = datetime(day.year, day.month, day.day, 20, tzinfo=UTC).timestamp()
            body = [{"entity": f"/srv/api/mod{i % 7}.go", "time": t0 + 60 * i, "type": "file",
                     "project": "remote-api", "language": "Go", "branch": "main"}
                    for i in range(120)]
            client.post("/api/v1/users/current/heartbeats.bulk", json=body, headers={
                "Authorization": f"Bearer {key}", "X-Machine-Name": "devbox",
                "User-Agent": "wakatime/v1.90.0 (linux-6.1-amd64) go1.21 vim/9.0 "
                              "vim-wakatime/10.0"})
            beats += len(body)
        history.refresh(user)
    db.close()
    print(f"(built {count:,} spans of 2 machines and {beats:,} heartbeats over {days} days "
          f"in {time.perf_counter() - began:.0f} s)", flush=True)
    return key


def cookie(port: int, key: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/login", body=f"key={key}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.getheader("set-cookie").split(";")[0]


def get(port: int, path: str, session: str) -> tuple[float, int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": session})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed, resp.status, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dashboard-{args.days}.sqlite3"
    keyfile = path.with_suffix(".key")
    if keyfile.exists() and time.time() - keyfile.stat().st_mtime > 7 * 86400:
        keyfile.unlink()
    url = f"sqlite:///{path}"
    if not keyfile.exists():
        path.unlink(missing_ok=True)
        keyfile.write_text(build(url, args.days))
    server = ServerProcess(url, CACHE / "dashboard-server.log",
                           jobs_interval_seconds="0").start()
    try:
        session = cookie(server.port, keyfile.read_text())
        print(f"GET, median of {args.repeat} after one warm-up request (first: the process's "
              f"first request digests the days); target {TARGET_MS:.0f} ms")
        for path in PAGES:
            first, status, size = get(server.port, path, session)
            assert status == 200, status
            times = [get(server.port, path, session)[0] for _ in range(args.repeat)]
            median = statistics.median(times) * 1000
            print(f"  {path:58s} {median:7.1f} ms  ratio {median / TARGET_MS:4.2f}  "
                  f"{'OK' if median < TARGET_MS else 'MISS'}  (first {first * 1000:.0f} ms, "
                  f"{size / 1024:.0f} KiB)", flush=True)
    finally:
        server.stop()
    # A process that runs the jobs digests the busiest users' year ahead, at its start: the
    # first request after that reads digests.
    log = CACHE / "dashboard-server-jobs.log"
    log.unlink(missing_ok=True)
    server = ServerProcess(url, log, jobs_interval_seconds="60", log_level="INFO").start()
    try:
        began = time.monotonic()
        while "dashboards digested ahead" not in log.read_text():
            if time.monotonic() - began > 300:
                raise SystemExit("the server did not digest ahead within 300 s:\n"
                                 + log.read_text()[-2000:])
            time.sleep(0.2)
        print(f"A restarted server that runs the jobs (digested ahead in "
              f"{time.monotonic() - began:.1f} s after its start): each page's first GET")
        session = cookie(server.port, keyfile.read_text())
        for path in PAGES:
            first, status, _ = get(server.port, path, session)
            assert status == 200, status
            print(f"  {path:58s} {first * 1000:7.1f} ms  ratio {first * 1000 / TARGET_MS:4.2f}"
                  f"  {'OK' if first * 1000 < TARGET_MS else 'MISS'}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
