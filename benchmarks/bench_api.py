"""The local API under load, over real sockets: heartbeat ingest and the status bar.

    .venv/bin/python benchmarks/bench_api.py [--heartbeats 20000] [--bulk 25]

Heartbeats go in bulks the size wakatime-cli sends (25), one file switch every 10; then
the status bar (today) and a week of summaries are timed. Targets: ingest ≥ 1,000
heartbeats/s (an editor sends one every few seconds), each read < 100 ms.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.engine.config import Config
from desktop.engine.service import Engine
from watchers.observation import Observation


class Away:
    def poll(self) -> Observation:
        return Observation(time=time.time(), idle_seconds=10**6)

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--heartbeats", type=int, default=20_000)
    parser.add_argument("--bulk", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        config = Config()
        config.api.port = 0
        engine = Engine(Path(home), config, poller=Away())
        engine.start()
        keyed = engine.api.limiters[True]  # the key holders' budget
        keyed.rate = keyed.burst = 10**9  # measure, not throttle
        auth = {"Authorization": "Basic " + base64.b64encode(engine.api.key.encode()).decode(),
                "Content-Type": "application/json",
                "User-Agent": "wakatime/v1.90.0 (linux-6.1-amd64) go1.22 vim/9.1 vim-wakatime/11"}
        conn = http.client.HTTPConnection("127.0.0.1", engine.api.port)

        def request(method: str, path: str, body: bytes | None = None) -> bytes:
            nonlocal conn
            conn.request(method, path, body=body, headers=auth)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status >= 300:
                raise SystemExit(f"{method} {path}: {resp.status} {data[:200]!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", engine.api.port)
            return data

        t0 = time.time() - args.heartbeats * 2 - 60
        beats = [{"entity": f"/src/p{i // 500}/f{i // 10}.py", "time": t0 + 2 * i,
                  "project": f"p{i // 500}", "language": "Python", "lineno": i % 300}
                 for i in range(args.heartbeats)]
        started = time.perf_counter()
        for i in range(0, len(beats), args.bulk):
            request("POST", "/api/v1/users/current/heartbeats.bulk",
                    json.dumps(beats[i:i + args.bulk]).encode())
        ingest = time.perf_counter() - started
        rate = args.heartbeats / ingest
        print(f"ingest: {rate:,.0f} heartbeats/s in bulks of {args.bulk} "
              f"({ingest:.2f} s for {args.heartbeats:,}; target ≥ 1,000/s)")
        for path in ("/api/v1/users/current/statusbar/today",
                     "/api/v1/users/current/summaries?range=Last%207%20Days"):
            times = []
            for _ in range(20):
                started = time.perf_counter()
                body = json.loads(request("GET", path))
                times.append(time.perf_counter() - started)
            days = body["data"] if isinstance(body["data"], list) else [body["data"]]
            total = sum(d["grand_total"]["total_seconds"] for d in days)
            files = sum(len(d["entities"]) for d in days)
            print(f"{path}: median {1000 * statistics.median(times):.1f} ms "
                  f"({total / 3600:.1f} h, {files} file entries; target < 100 ms)")
        engine.stop()


if __name__ == "__main__":
    main()
