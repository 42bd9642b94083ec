"""Ingest against SQLite's bound in CPU instructions (callgrind): the figures of
bench_ingest.py without the machine's noise.

    .venv/bin/python benchmarks/ingest_instructions.py [--spans 30000]

Each path runs in its own process under `valgrind --tool=callgrind`, and a process that does
everything but the path is subtracted from it:
- the bound: SQLite writing the rows `Store.add_spans` writes, built beforehand by the store
  (bench_ingest.full_bound), less the same process writing nothing;
- `Store.add_spans` and the live path (`SpanWriter` put + close: upserts and rollups in one
  transaction), less a process that makes the same spans and opens the same new store.
Prints each path's instructions, its share of the bound (targets: add_spans >= 0.7, the live
path >= 0.5) and the instructions per span. Takes ~1 minute per path at 30,000 spans.
The checkout's bytecode is compiled first: a process compiling a module it imports (stale or
no .pyc, PYTHONDONTWRITEBYTECODE) would count that work too, ~1 % of a share.
"""

from __future__ import annotations

import argparse
import compileall
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_ingest import INGEST, LIVE, full_bound, prebuilt
from benchmarks.bench_store import LAST_DAY, verdict
from benchmarks.synthetic import history
from desktop.engine.store import SpanWriter, Store

MODES = ("base", "prepared", "bound", "add", "live")


def work(mode: str, size: int) -> None:
    """One process's work: the spans, then what `mode` names."""
    spans = [s for day in history(size, LAST_DAY) for s in day]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        if mode in ("prepared", "bound"):
            chunks = prebuilt(path, spans)
            full_bound(path, "bound", chunks if mode == "bound" else [])
            return
        store = Store(path / "tf.sqlite3", device="bench")
        if mode == "add":
            store.add_spans(spans)
        elif mode == "live":
            writer = SpanWriter(store, flush_interval=3600)
            for span in spans:
                writer.put(span)
            writer.close()
        store.close()


def instructions(mode: str, size: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--mode", mode, "--spans", str(size)],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind gave no count for {mode}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=30_000, help="spans to write")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # a child's work
    args = parser.parse_args()
    if args.mode:
        work(args.mode, args.spans)
        return
    root = Path(__file__).resolve().parents[1]
    for package in ("desktop", "watchers", "benchmarks"):
        compileall.compile_dir(root / package, quiet=1)
    counts = {}
    for mode in MODES:
        counts[mode] = instructions(mode, args.spans)
        print(f"  {mode:9s} {counts[mode] / 1e9:7.3f} G instructions (whole process)",
              flush=True)
    bound = counts["bound"] - counts["prepared"]
    print(f"{args.spans:,} spans, instructions of each path (callgrind):")
    print(f"  bound (all rows)            {bound / 1e9:6.3f} G  "
          f"{bound / args.spans:7,.0f} per span")
    for mode, what, target in (("add", "Store.add_spans", INGEST),
                               ("live", "SpanWriter (live, rollups)", LIVE)):
        used = counts[mode] - counts["base"]
        share = bound / used
        print(f"  {what:27s} {used / 1e9:6.3f} G  {used / args.spans:7,.0f} per span  "
              f"{share:4.2f} of the bound {verdict(share >= target)}  [target >= {target}]")


if __name__ == "__main__":
    main()
