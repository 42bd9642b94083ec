"""Ingest against SQLite's own bound, measured in the same run (issue 21, target 2).

    .venv/bin/python benchmarks/bench_ingest.py [--sizes 100000,1000000] [--runs 3]

For each size: the same synthetic spans (benchmarks/synthetic.py) go
- into SQLite alone, prebuilt: the span rows only (aw_compare.bare_insert_rate, the bound the
  issue quotes), and every row Store.add_spans writes (new activities, spans, dirty quarters:
  the same rows in the same schema, built beforehand by the store itself, untimed);
- through Store.add_spans (target >= 0.7 of the bound);
- through SpanWriter.put + close (the live path: upserts, then the rollups; target >= 0.5).
Each run writes new files; rates are per second of wall time, the best run counts (the others
lost time to the machine's neighbours), CPU seconds are printed beside them, and so is each
run's ratio to the bound measured just before it (the host's drift falls on both). Totals are
cross-checked: the spans written and the seconds the rollups hold equal the bound's rows and
the writer's.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from operator import itemgetter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.aw_compare import bare_insert_rate
from benchmarks.bench_store import LAST_DAY, verdict
from benchmarks.synthetic import history
from desktop.engine.span import Span
from desktop.engine.store import SpanWriter, Store, rollups
from desktop.engine.store import store as storelib
from desktop.engine.store.db import PRAGMAS

INGEST, LIVE = 0.7, 0.5


def prebuilt(tmp: Path, spans: list[Span]) -> list[tuple[list, list, set]]:
    """The rows add_spans writes, per chunk: (activity rows, span rows, dirty quarters)."""
    store = Store(tmp / "prebuild.sqlite3", device="bench")
    out = []
    with store._write() as conn:
        now = time.time()
        for part in storelib._chunks(spans, storelib._CHUNK):
            dirty: set[int] = set()
            activities, rows = store._prepare(conn, part, dirty, now)
            conn.executemany(storelib._ADD_ACTIVITY, activities)
            out.append((activities, rows, dirty))
    store.close()
    return out


def full_bound(tmp: Path, name: str, chunks: list[tuple[list, list, set]]) -> tuple[float, float]:
    """(wall, CPU) seconds for SQLite alone to write the prebuilt rows into a new store file,
    one transaction, the store's pragmas."""
    Store(tmp / f"{name}.sqlite3").close()
    conn = sqlite3.connect(tmp / f"{name}.sqlite3", isolation_level=None)
    for key, value in PRAGMAS.items():
        conn.execute(f"PRAGMA {key} = {value}")
    t, c = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    for activities, rows, dirty in chunks:
        conn.executemany(storelib._ADD_ACTIVITY, activities)
        conn.executemany(storelib._ADD, rows)
        rollups.mark_dirty(conn, dirty)
    conn.execute("COMMIT")
    out = time.perf_counter() - t, time.process_time() - c
    conn.close()
    return out


def timed(fn) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def rolled_seconds(path: Path) -> float:
    store = Store(path)
    store.refresh_rollups()
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT COALESCE(SUM(seconds), 0) FROM rollup_total").fetchone()[0]
    store.close()
    return total


def bench(size: int, runs: int) -> None:
    spans = [s for day in history(size, LAST_DAY) for s in day]
    n = len(spans)
    each: dict[str, list[tuple[float, float]]] = {}  # each run's (rate, CPU rate), by path

    def keep(what: str, wall: float, used: float) -> None:
        each.setdefault(what, []).append((n / wall, n / used))

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        chunks = prebuilt(tmp_path, spans)
        for run in range(runs):
            (tmp_path / f"bare-{run}").mkdir()
            each.setdefault("bound (span rows)", []).append(
                (bare_insert_rate(tmp_path / f"bare-{run}", spans), 0.0))  # (no CPU figure)
            keep("bound (all rows)", *full_bound(tmp_path, f"bound-{run}", chunks))
            store = Store(tmp_path / f"add-{run}.sqlite3", device="bench")
            keep("Store.add_spans", *timed(lambda s=store: s.add_spans(spans)))
            store.close()
            store = Store(tmp_path / f"live-{run}.sqlite3", device="bench")

            def live(s: Store = store) -> None:
                writer = SpanWriter(s, flush_interval=3600)
                for span in spans:
                    writer.put(span)
                writer.close()
            keep("SpanWriter (live, rollups)", *timed(live))
            store.close()
        added = rolled_seconds(tmp_path / "add-0.sqlite3")
        written = rolled_seconds(tmp_path / "live-0.sqlite3")
        with sqlite3.connect(tmp_path / "add-0.sqlite3") as conn:
            stored = conn.execute("SELECT COUNT(*) FROM span").fetchone()[0]
    best = {what: max(rates, key=itemgetter(0)) for what, rates in each.items()}
    bound_spans, bound_all = best["bound (span rows)"][0], best["bound (all rows)"][0]
    print(f"{n:,} spans, best of {runs} (wall; CPU rate in brackets):")
    for what, (rate, cpu) in best.items():
        line = f"  {what:28s} {rate:10,.0f} /s"
        if cpu:
            line += f"  [{cpu:9,.0f} /s CPU]"
        if not what.startswith("bound"):
            target = INGEST if what == "Store.add_spans" else LIVE
            line += (f"  {rate / bound_all:4.2f} of all rows {verdict(rate / bound_all >= target)}"
                     f", {rate / bound_spans:4.2f} of span rows "
                     f"{verdict(rate / bound_spans >= target)}  [target >= {target}]")
        print(line)
    bounds = each["bound (all rows)"]
    print("  each run, of that run's bound (all rows): " + "; ".join(
        f"{what} " + " ".join(f"{rate / bound:4.2f}" for (rate, _), (bound, _) in
                              zip(each[what], bounds, strict=True))
        for what in ("Store.add_spans", "SpanWriter (live, rollups)")))
    ok = stored == n and abs(added - written) < 1e-6 * max(1.0, added)
    print(f"  cross-check: {stored:,} spans stored, rollups {added / 3600:,.1f} h "
          f"(add_spans) vs {written / 3600:,.1f} h (writer)  {verdict(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="spans per size, commas")
    parser.add_argument("--runs", type=int, default=3, help="runs per size")
    args = parser.parse_args()
    for size in (int(x) for x in args.sizes.split(",")):
        bench(size, args.runs)


if __name__ == "__main__":
    main()
