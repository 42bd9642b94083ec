"""Imports, exports and the tracker, on synthetic but real-format data.

    .venv/bin/python benchmarks/bench_import.py [--heartbeats 200000] [--events 200000]

A year of heavy WakaTime use is ~200,000 heartbeats; a year of ActivityWatch window events
about as many. Each figure is printed with its target.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.engine.io import export_file, import_file
from desktop.engine.rules import Rules
from desktop.engine.store import Store
from desktop.engine.tracker import Tracker
from watchers.observation import Observation

START = 1_704_186_000.0  # 2024-01-02 09:00 UTC


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def wakatime_dump(path: Path, count: int) -> None:
    rng = random.Random(1)
    files = [f"/src/p{p}/mod{i}.py" for p in range(12) for i in range(40)]
    days: dict[str, list] = {}
    t = START
    for i in range(count):
        t += rng.choice([15, 30, 60, 90, 120, 240, 1800])
        entity = rng.choice(files) if rng.random() < 0.2 else files[i // 40 % len(files)]
        days.setdefault(datetime.fromtimestamp(t, UTC).date().isoformat(), []).append({
            "entity": entity, "type": "file", "category": "coding", "time": t,
            "project": entity.split("/")[2], "branch": "main", "language": "Python",
            "is_write": rng.random() < 0.1, "lines": 300, "lineno": 12, "cursorpos": 40,
            "user_agent_id": "ua", "machine_name_id": "m1"})
    path.write_text(json.dumps({"user": {"username": "bench"}, "range": {},
                                "days": [{"date": d, "heartbeats": h} for d, h in days.items()]}))


def activitywatch_export(path: Path, count: int, start: float = START) -> None:
    rng = random.Random(2)
    window, afk, web = [], [], []
    t = start
    for i in range(count):
        duration = rng.choice([3, 10, 30, 60, 300])
        app = rng.choice(["Code", "firefox", "kitty", "Slack"])
        window.append({"id": i, "timestamp": iso(t), "duration": duration,
                       "data": {"app": app, "title": f"title {i % 2000}"}})
        if app == "firefox":
            web.append({"id": i, "timestamp": iso(t), "duration": duration,
                        "data": {"url": f"https://site{i % 300}.example.org/{i}",
                                 "title": f"page {i}", "audible": False, "incognito": False}})
        t += duration
    for j, at in enumerate(range(int(start), int(t), 3600)):
        afk.append({"id": 2 * j, "timestamp": iso(at), "duration": 3000,
                    "data": {"status": "not-afk"}})
        afk.append({"id": 2 * j + 1, "timestamp": iso(at + 3000), "duration": 600,
                    "data": {"status": "afk"}})
    buckets = {
        "aw-watcher-window_h": {"type": "currentwindow", "hostname": "h", "events": window},
        "aw-watcher-afk_h": {"type": "afkstatus", "hostname": "h", "events": afk},
        "aw-watcher-web-firefox": {"type": "web.tab.current", "hostname": "h", "events": web},
    }
    path.write_text(json.dumps({"buckets": buckets}))


def timed(label: str, target: str, work) -> object:
    started = time.perf_counter()
    result = work()
    print(f"{label:<58} {time.perf_counter() - started:7.2f} s   (target {target})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--heartbeats", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-import-"))

    waka, aw = tmp / "wakatime.json", tmp / "activitywatch.json"
    wakatime_dump(waka, args.heartbeats)
    activitywatch_export(aw, args.events)
    store = Store(tmp / "tf.sqlite3")
    result = timed(f"WakaTime import, {args.heartbeats:,} heartbeats", "< 10 s",
                   lambda: import_file(waka, store))
    print(f"  -> {result.parsed:,} {result.unit}, {result.seconds / 3600:,.0f} h")
    timed("the same again (adds nothing)", "< 10 s", lambda: import_file(waka, store))
    result = timed(f"ActivityWatch import, {args.events:,} window events", "< 10 s",
                   lambda: import_file(aw, store))
    print(f"  -> {result.parsed:,} {result.unit}, {result.seconds / 3600:,.0f} h")
    timed("the same again (no event new or longer: nothing re-derived)", "< 10 s",
          lambda: import_file(aw, store))
    day = tmp / "activitywatch-day.json"
    activitywatch_export(day, 2_000, START + 400 * 86400)
    timed("ActivityWatch, a further 2,000 events in a file of their own", "< 1 s",
          lambda: import_file(day, store))
    for fmt in ("json", "csv"):
        out = tmp / f"export.{fmt}"
        count = timed(f"export {fmt.upper()}", "< 5 s", lambda out=out: export_file(store, out))
        other = Store(tmp / f"re-{fmt}.sqlite3")
        timed(f"import {count:,} spans from our {fmt.upper()}", "< 10 s",
              lambda out=out, other=other: import_file(out, other))
        other.close()
    store.close()

    rules = Rules.load(None)
    kept: dict[str, object] = {}
    tracker = Tracker("bench", lambda s: kept.__setitem__(s.uuid, s), redactor=rules.redact)
    polls = 200_000
    apps = [("Code", "main.py - Code"), ("firefox", "Docs — Firefox"), ("kitty", "vim")]
    observations = [Observation(time=START + i, app=apps[i // 60 % 3][0],
                                title=f"{apps[i // 60 % 3][1]} {i % 7}", idle_seconds=0.2)
                    for i in range(polls)]

    def track() -> None:
        for obs in observations:
            tracker.observe(obs)

    started = time.perf_counter()
    track()
    rate = polls / (time.perf_counter() - started)
    print(f"{'tracker + redaction, observations per second':<58} {rate:9,.0f}   "
          f"(target >= 10,000; one poll a second needs 1)")


if __name__ == "__main__":
    main()
