"""Insights and achievements on ten years of synthetic history (benchmarks/synthetic.py).

    .venv/bin/python benchmarks/bench_insights.py [--spans 5000000]

Uses the big database of bench_store.py (built once into benchmarks/.cache/). "First" is the
first call in a new process with new caches; "warm" the median of the calls after it.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_store import LAST_DAY, big_store, timed, verdict
from desktop.engine.achievements import BACKFILLED, Achievements
from desktop.engine.analytics import Analytics
from desktop.engine.insights import InsightsCache
from desktop.engine.rules import Rules
from desktop.engine.store import Store

FIRST, WARM = 2.0, 0.2


def line(what: str, first: float, warm: float) -> None:
    print(f"{what}: first {first * 1000:,.0f} ms [target < {FIRST * 1000:,.0f}] "
          f"{verdict(first < FIRST)}; warm {warm * 1000:,.1f} ms [target < {WARM * 1000:,.0f}] "
          f"{verdict(warm < WARM)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=5_000_000, help="size of the history")
    args = parser.parse_args()
    path = big_store(args.spans)
    end = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, tzinfo=UTC) + timedelta(days=1)
    rules = Rules.load(None)
    store = Store(path)
    t = time.perf_counter()
    Analytics(store, rules, UTC).summary(end - timedelta(days=3660), end, by="category")
    print(f"(once per rules version: naming ten years by category "
          f"{time.perf_counter() - t:.1f} s; already done on later runs)")
    for days in (7, 30, 365):
        cache = InsightsCache(Analytics(store, rules, UTC))
        first, warm, _ = timed(lambda d=days, c=cache: c.compute(end - timedelta(days=d), end),
                               runs=3)
        line(f"insights of the last {days} days", first, warm)

    def reset() -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM achievement")
            conn.execute("DELETE FROM meta WHERE key = ?", (BACKFILLED,))
    reset()
    found = Achievements(Analytics(store, rules, UTC))
    first, warm, _ = timed(lambda: found.statuses(LAST_DAY, 7200), runs=3)
    line("achievements (ten years backfilled, then listed)", first, warm)
    reset()
    t = time.perf_counter()
    Achievements(Analytics(store, rules, UTC)).statuses(LAST_DAY, 7200, check_first=False)
    print(f"  (ten years read again after a change, no caches: "
          f"{time.perf_counter() - t:.2f} s)")
    store.close()


if __name__ == "__main__":
    main()
