"""TimeForged's store side by side with ActivityWatch's peewee datastore (aw-core).

    .venv/bin/python benchmarks/aw_compare.py [--spans 100000] [--range 20000]

The same events go into both (bulk), then both answer for a range holding 20,000 of them:
aw-core must read the events back (what any of its summaries starts with); TimeForged
answers a summary from its rollups. aw-core runs in benchmarks/.venv-aw (created here if
missing: aw-core breaks with peewee 4, so that venv pins peewee<4), driven by aw_driver.py.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic import history  # noqa: E402
from desktop.engine.analytics import Analytics  # noqa: E402
from desktop.engine.rules import Rules  # noqa: E402
from desktop.engine.span import ACTIVITY_FIELDS  # noqa: E402
from desktop.engine.store import Store  # noqa: E402

AW_VENV = HERE / ".venv-aw"


def aw_python() -> Path:
    python = AW_VENV / "bin" / "python"
    if not python.exists():
        print("creating benchmarks/.venv-aw (aw-core, peewee<4) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(AW_VENV)], check=True)
        subprocess.run([str(AW_VENV / "bin" / "pip"), "install", "-q", "aw-core", "peewee<4"],
                       check=True)
    return python


def bare_insert_rate(tmp: Path, spans: list) -> float:
    """Spans/s of executemany alone: rows built beforehand, inserted into an empty span table
    with the store's schema (uuid unique index, start index), one transaction."""
    Store(tmp / "schema.sqlite3").close()
    schema = sqlite3.connect(tmp / "schema.sqlite3")
    ddl = [sql for (sql,) in schema.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'span' AND sql IS NOT NULL")]
    schema.close()
    conn = sqlite3.connect(tmp / "bare.sqlite3", isolation_level=None)
    for pragma in ("journal_mode = wal", "synchronous = normal", "cache_size = -64000"):
        conn.execute(f"PRAGMA {pragma}")
    for sql in ddl:
        conn.execute(sql)
    rows = [(s.uuid, s.start, s.end, 1, 1, s.keystrokes, 0, 0, 0, 0, 0, 0.0) for s in spans]
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, '
                     "clicks, scrolls, moves, lines_added, lines_deleted, updated) VALUES "
                     f"({', '.join('?' * 12)}) ON CONFLICT (uuid) DO NOTHING", rows)
    conn.execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - t)
    conn.close()
    return rate


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000, help="events to insert")
    parser.add_argument("--range", type=int, default=20_000, help="events in the read range")
    args = parser.parse_args()
    python = aw_python()
    spans = [s for day in history(args.spans, date(2025, 12, 31)) for s in day]
    spans.sort(key=lambda s: s.start)
    middle = len(spans) // 2 - args.range // 2
    lo, hi = spans[middle].start, spans[middle + args.range].start  # holds `range` events

    with tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.json"
        events.write_text(json.dumps([
            [s.start, s.duration, {f: getattr(s, f) for f in ACTIVITY_FIELDS
                                   if getattr(s, f) not in (None, False)}] for s in spans]))
        done = subprocess.run([str(python), str(HERE / "aw_driver.py"), str(events),
                               str(Path(tmp) / "aw.sqlite"), repr(lo), repr(hi)],
                              check=True, capture_output=True, text=True)
        aw = json.loads(done.stdout.strip().splitlines()[-1])

        store = Store(Path(tmp) / "tf.sqlite3", device="bench")
        t = time.perf_counter()
        store.add_spans(spans)
        insert_seconds = time.perf_counter() - t
        t = time.perf_counter()
        store.refresh_rollups()
        rollup_seconds = time.perf_counter() - t
        analytics = Analytics(store, Rules.load(None), UTC)
        start, end = datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)
        analytics.summary(start, end, by="app")  # classify the activities once (cached)
        t = time.perf_counter()
        summary = analytics.summary(start, end, by="app")
        summary_seconds = time.perf_counter() - t
        t = time.perf_counter()
        raw = store.spans(lo, hi)
        read_seconds = time.perf_counter() - t
        store.close()
        ceiling = bare_insert_rate(Path(tmp), spans)

    n = len(spans)
    aw_rate, tf_rate = aw["inserted"] / aw["insert_seconds"], n / insert_seconds
    tf_rate_all = n / (insert_seconds + rollup_seconds)
    print(f"bulk insert of {n:,} events/spans:")
    print(f"  aw-core PeeweeStorage   {aw_rate:10,.0f} /s")
    print(f"  TimeForged add_spans    {tf_rate:10,.0f} /s   ratio {tf_rate / aw_rate:5.1f}x  "
          f"[target >= 10x]  {verdict(tf_rate >= 10 * aw_rate)}")
    print(f"  ... + rollups built     {tf_rate_all:10,.0f} /s   ratio "
          f"{tf_rate_all / aw_rate:5.1f}x")
    print(f"  (SQLite alone, the same rows prebuilt into the same table and indexes: "
          f"{ceiling:,.0f} /s = {ceiling / aw_rate:.1f}x: the bound for any Python code "
          f"that keeps a unique uuid per span)")
    print(f"range of {args.range:,} events ({aw['read_events']:,} read by aw-core, "
          f"{len(raw):,} raw spans here, {summary.total_seconds / 3600:.0f} h):")
    print(f"  aw-core read            {aw['read_seconds'] * 1000:10.1f} ms")
    ratio = aw["read_seconds"] / summary_seconds
    print(f"  TimeForged summary      {summary_seconds * 1000:10.1f} ms   ratio {ratio:5.0f}x  "
          f"[target >= 100x]  {verdict(ratio >= 100)}")
    print(f"  TimeForged raw read     {read_seconds * 1000:10.1f} ms   ratio "
          f"{aw['read_seconds'] / read_seconds:5.0f}x")


if __name__ == "__main__":
    main()
