"""Insights and achievements on ten years of synthetic history (benchmarks/synthetic.py).

    .venv/bin/python benchmarks/bench_insights.py [--spans 5000000]

Uses the big database of bench_store.py (built once into benchmarks/.cache/). Insights print
two first calls: "first ever" with no day digests stored (they are deleted first; the call
computes and stores them), and "first in a process, digests stored" (a new process, new
caches, the digests on disk: as after the app computed them in the background); "warm" is
the median of the calls after the first ever, in its process.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
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
    parser.add_argument("--first-stored", type=int, metavar="DAYS",
                        help="only print the seconds of the first insights call of DAYS in "
                             "this new process (the digests stored by the caller)")
    args = parser.parse_args()
    path = big_store(args.spans)
    end = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, tzinfo=UTC) + timedelta(days=1)
    rules = Rules.load(None)
    store = Store(path)
    if args.first_stored:
        t = time.perf_counter()
        InsightsCache(Analytics(store, rules, UTC)).compute(
            end - timedelta(days=args.first_stored), end)
        print(time.perf_counter() - t)
        store.close()
        return
    t = time.perf_counter()
    Analytics(store, rules, UTC).summary(end - timedelta(days=3660), end, by="category")
    print(f"(once per rules version: naming ten years by category "
          f"{time.perf_counter() - t:.1f} s; already done on later runs)")
    met: list[str] = []
    for days in (7, 30, 365):
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM insight_day_digest")
        cache = InsightsCache(Analytics(store, rules, UTC))
        first, warm, _ = timed(lambda d=days, c=cache: c.compute(end - timedelta(days=d), end),
                               runs=3)
        stored = float(subprocess.run(
            [sys.executable, __file__, "--spans", str(args.spans), "--first-stored", str(days)],
            check=True, capture_output=True, text=True).stdout)
        print(f"insights of the last {days} days:")
        print(f"  first ever (no stored digests): {first * 1000:,.0f} ms "
              f"[target < {FIRST * 1000:,.0f}] {verdict(first < FIRST)}")
        print(f"  first in a process, digests stored: {stored * 1000:,.0f} ms "
              f"[target < {FIRST * 1000:,.0f}] {verdict(stored < FIRST)}")
        print(f"  warm: {warm * 1000:,.1f} ms [target < {WARM * 1000:,.0f}] "
              f"{verdict(warm < WARM)}")
        met.append(f"{days} days: " + (
            "by both" if first < FIRST and stored < FIRST else
            "only with digests stored" if stored < FIRST else "by neither"))
    print(f"(the < {FIRST:.0f} s first-call target is met {'; '.join(met)})")

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
