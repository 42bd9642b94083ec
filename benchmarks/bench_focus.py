"""Focus mode and break reminders: what they cost per poll, and hosts-file writes.

    .venv/bin/python benchmarks/bench_focus.py [--hosts-lines 100000] [--polls 20000]

- per poll (the engine calls these every second): FocusController.observe during a session
  (classification + blocklist verdict, no minimize) with the site changing every 10 polls,
  and BreakScheduler.update;
- starting a session: the domains the default rules yield for the hosts file;
- HostsFile.apply + clear on a hosts file of N user lines (ad-block lists reach ~100k), with
  the byte-for-byte round trip checked.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.engine.breaks import BreakScheduler
from desktop.engine.focus.blocklist import Blocklist
from desktop.engine.focus.controller import FocusController
from desktop.engine.focus.hosts import HostsFile
from desktop.engine.focus.session import FocusPlan
from desktop.engine.rules import Rules
from watchers.observation import Observation

SITES = ["github.com", "reddit.com", "docs.python.org", "youtube.com", "stackoverflow.com",
         "news.ycombinator.com", "example.org"]


def per_poll(polls: int) -> None:
    rules = Rules.load(None)
    focus = FocusController(rules)
    focus.start(FocusPlan(minutes=600), now=0.0)
    observations = [Observation(time=float(i), app="firefox", browser="firefox",
                                site=SITES[(i // 10) % len(SITES)],
                                title=f"page {i // 10}", idle_seconds=0.0)
                    for i in range(1, polls + 1)]
    t0 = time.perf_counter()
    for obs in observations:
        focus.observe(obs)
    focus_us = (time.perf_counter() - t0) / polls * 1e6
    attempts = focus.last_attempt.count if focus.last_attempt else 0
    focus.close()
    breaks = BreakScheduler()
    t0 = time.perf_counter()
    for i in range(polls):
        breaks.update(float(i), 0.0 if i % 100 else 30.0, False)
    breaks_us = (time.perf_counter() - t0) / polls * 1e6
    print(f"per poll: focus.observe {focus_us:.1f} µs ({attempts} attempts counted), "
          f"breaks.update {breaks_us:.1f} µs")
    t0 = time.perf_counter()
    domains = Blocklist.from_plan(FocusPlan()).hosts_domains(rules)
    print(f"session start: {len(domains)} domains from the default rules in "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms")


def hosts(lines: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hosts"
        body = "".join(f"0.0.0.0 ad{i}.tracker.example\r\n" for i in range(lines))
        original = ("# ad-block list\r\n127.0.0.1 localhost\r\n" + body).encode()
        path.write_bytes(original)
        file = HostsFile(path)
        domains = Blocklist.from_plan(FocusPlan()).hosts_domains(Rules.load(None))
        applies, clears = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            file.apply(domains, int(time.time()) + 3600)
            applies.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            file.clear()
            clears.append(time.perf_counter() - t0)
        assert path.read_bytes() == original
        print(f"hosts file of {lines} lines ({len(original) / 1e6:.1f} MB), "
              f"{len(domains) * 4} entries: apply {statistics.median(applies) * 1000:.1f} ms, "
              f"clear {statistics.median(clears) * 1000:.1f} ms (median of 5, with fsync); "
              f"round trip byte for byte")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts-lines", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=20_000)
    args = parser.parse_args()
    per_poll(args.polls)
    hosts(args.hosts_lines)


if __name__ == "__main__":
    main()
