"""Summaries against the length of the range: 1 month, 1 year, 10 years (issue 21, target 3).

    .venv/bin/python benchmarks/bench_scaling.py [--spans 5000000] [--dims app,project,...]

On the ten-year history of bench_store.py (built once into benchmarks/.cache/), ranges ending
on 2026-01-01 (UTC). Per dimension: "first" is the first call in a new process state (new
Store, Analytics and rules) for a dimension never asked before (its named rollups dropped;
the rules' classifications of the activities are kept, as they are once any report ran);
"warm" the median of 9 calls after it, the three ranges called in turn (the minimums'
ratio is printed beside). Targets: ten years <= 10x one year, warm <= 50 ms,
first on a year <= 300 ms. Then the first streaks and the first year by category after a
rules change (ten years: every distinct activity classified again), target <= 2 s. The
activity blocks (seconds per activity per 32 days, shared by every dimension) are kept, as
the store leaves them for past days. Every figure is cross-checked: a summary's total equals
the overlap-resolved total of the range (from the quarter rollups), before and after the
rules change.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_store import LAST_DAY, big_store, verdict
from desktop.engine.analytics import Analytics
from desktop.engine.rules import Rules
from desktop.engine.store import Store

RANGES = (("1 month", 31), ("1 year", 365), ("10 years", 3652))
DIMS = ("project", "language", "app", "site", "category", "productivity", "editor", "branch",
        "file", "device", "source", "hour", "day")
END = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, tzinfo=UTC) + timedelta(days=1)
SCALE, WARM, FIRST, RULES = 10.0, 0.05, 0.3, 2.0
WARM_ROUNDS = 9  # warm calls of each range, interleaved


def drop_named(path: Path, dim: str) -> None:
    with sqlite3.connect(path) as conn:
        for table in ("rollup_named", "rollup_named_quarter", "named_done",
                      "rollup_named_block", "named_block_done"):
            conn.execute(f"DELETE FROM {table} WHERE dim = ?", (dim,))


def check(an: Analytics, store: Store, days: int, dim: str) -> bool:
    """The summary's total is the range's overlap-resolved total."""
    start = END - timedelta(days=days)
    total = sum(store.quarter_sums(start.timestamp(), END.timestamp()).values())
    return abs(an.summary(start, END, by=dim).total_seconds - total) < 1e-6 * max(total, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=5_000_000, help="size of the history")
    parser.add_argument("--dims", default=",".join(DIMS), help="dimensions, commas")
    args = parser.parse_args()
    path = big_store(args.spans)
    Analytics(Store(path), Rules.load(None), UTC).summary(END - timedelta(days=31), END,
                                                          by="category")  # classified once
    print(f"summaries over {args.spans:,} spans (UTC), ms: warm median (first call: wall/CPU)")
    print(f"{'dimension':13s}" + "".join(f"{label:>22s}" for label, _ in RANGES)
          + "   10y/1y  targets")
    exact = True
    for dim in args.dims.split(","):
        firsts, warm, least, opened = {}, {}, {}, {}
        for label, days in RANGES:
            drop_named(path, dim)
            store = Store(path)
            an = Analytics(store, Rules.load(None), UTC)
            span = (END - timedelta(days=days), END)
            t, c = time.perf_counter(), time.process_time()
            an.summary(*span, by=dim)
            first, first_cpu = time.perf_counter() - t, time.process_time() - c
            opened[label] = (store, an, span)
            firsts[label] = (first, first_cpu)
        runs: dict[str, list[float]] = {label: [] for label, _ in RANGES}
        for _ in range(WARM_ROUNDS):  # the ranges in turn: the host's drift falls on each
            for label, (_, an, span) in opened.items():
                t = time.perf_counter()
                an.summary(*span, by=dim)
                runs[label].append(time.perf_counter() - t)
        for label, days in RANGES:
            store, an, _ = opened[label]
            warm[label], least[label] = statistics.median(runs[label]), min(runs[label])
            exact = exact and check(an, store, days, dim)
            store.close()
        ratio = warm["10 years"] / warm["1 year"]
        ok = (ratio <= SCALE and warm["10 years"] <= WARM and firsts["1 year"][0] <= FIRST)
        print(f"{dim:13s}" + "".join(
            f"{warm[label] * 1000:6.1f} ({first * 1000:5.0f}/{cpu * 1000:4.0f})".rjust(22)
            for label, (first, cpu) in firsts.items())
            + f"   {ratio:5.1f}x  {verdict(ok)}  (minimums: "
            f"{least['10 years'] / least['1 year']:.1f}x)")
        if dim == "day":  # (its answer is as long as the range: a row per day)
            print(f"{'':13s}per day of the answer: "
                  + ", ".join(f"{label} {warm[label] / days * 1e6:.2f} us"
                              for label, days in RANGES))
    print(f"  [targets: 10y <= {SCALE:.0f}x 1y, warm <= {WARM * 1000:.0f} ms, first on a year "
          f"<= {FIRST * 1000:.0f} ms]  totals equal the resolved total: {verdict(exact)}")

    store = Store(path)
    rules = Rules.load(None)
    an = Analytics(store, rules, UTC)
    an.streaks(3600, LAST_DAY)  # current for these rules
    for what, call in (
            ("streaks (ten years)", lambda a: a.streaks(3600, LAST_DAY)),
            ("year by category", lambda a: a.summary(END - timedelta(days=365), END,
                                                     by="category"))):
        edited = Rules.load(None)
        edited.fingerprint += f"-edited-{time.time()}"  # as after editing a rule
        t, c = time.perf_counter(), time.process_time()
        call(Analytics(store, edited, UTC))
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"first {what} after a rules change: {wall:.2f} s ({cpu:.2f} s CPU)  "
              f"[target <= {RULES:.0f} s]  {verdict(wall <= RULES)}")
    exact = all(check(Analytics(store, edited, UTC), store, 3652, d)
                for d in ("category", "project"))
    print(f"  totals after the change equal the resolved total: {verdict(exact)}")
    store.close()


if __name__ == "__main__":
    main()
