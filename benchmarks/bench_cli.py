"""How fast the `timeforged` command answers, against the same interpreter's bare start.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15] [--warmup 3] [--spans 500000]

A year of history (benchmarks/synthetic.py, ending now) is built once a day into
benchmarks/.cache/ and found where an installed TimeForged finds it ($XDG_DATA_HOME, no
TIMEFORGED_HOME). The commands run on an Xvfb desktop (openbox) with an editor's window
focused, so that `now` infers what it would on a desktop. Each is run as a whole process
(`python -m desktop.cli` from this checkout, its bytecode compiled by the warm-up as pip
compiles an installed package's), hyperfine-like: warm-up runs, then `--runs` timed runs,
interleaved between the commands so that a noisy neighbour hurts them all alike. Printed:
min/median/max wall time of each, and its median's ratio to `python -c pass` against issue 21's
target (<= 3x).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.xsession import start_session  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
TARGET = 3.0
CLI = ("-m", "desktop.cli")
COMMANDS = {
    "python -c pass": ("-c", "pass"),
    "timeforged --help": (*CLI, "--help"),
    "timeforged status": (*CLI, "status"),
    "timeforged report today": (*CLI, "report", "today"),
    "timeforged now --json": (*CLI, "now", "--json"),
}
CHECKED = ("timeforged status", "timeforged report today", "timeforged now --json")


def year_of_data(spans: int) -> Path:
    """An XDG_DATA_HOME whose TimeForged/ holds about `spans` spans (a year: ~500,000),
    built once a day: the synthetic days moved back so that the last one ends at the time of
    building (today has some hours of history, as in a working day)."""
    from benchmarks.synthetic import day_spans, history
    from desktop.engine.store import Store

    today = datetime.now(UTC).date()
    data = CACHE / f"cli-data-{spans}-{today:%Y%m%d}"
    home = data / "TimeForged"
    database = home / "timeforged.sqlite3"
    if database.exists():
        return data
    home.mkdir(parents=True, exist_ok=True)
    partial = home / "building.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    print(f"building a home with {spans:,} spans up to now (once) ...", flush=True)
    shift = time.time() - max(s.end for s in day_spans(today))
    store = Store(partial, device="bench")
    batch: list = []
    for day in history(spans, today):
        for span in day:
            span.start += shift
            span.end += shift
        batch += day
        if len(batch) >= 100_000:
            store.add_spans(batch)
            batch = []
    store.add_spans(batch)
    store.refresh_rollups()
    store.close()
    partial.rename(database)
    (home / "config.toml").write_text("[breaks]\nenabled = false\n")
    return data


def run_all(env: dict[str, str], runs: int, warmup: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for round_ in range(warmup + runs):
        for name, argv in COMMANDS.items():
            t = time.perf_counter()
            done = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wall = time.perf_counter() - t
            if done.returncode != 0:
                raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.decode()}")
            if round_ >= warmup:
                times[name].append(wall)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--spans", type=int, default=500_000, help="default: about a year")
    args = parser.parse_args()
    data = year_of_data(args.spans)
    session = start_session(1280, 800)
    try:
        session.open_window("cart.py - webshop - Visual Studio Code", "Code")
        env = {**session.env, "XDG_DATA_HOME": str(data), "NO_COLOR": "1", "COLUMNS": "100"}
        for name in ("TIMEFORGED_HOME", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        times = run_all(env, args.runs, args.warmup)
    finally:
        session.close()
    base = statistics.median(times["python -c pass"])
    base_min = min(times["python -c pass"])
    print(f"{sys.executable} (Python {sys.version.split()[0]}), {args.runs} runs after "
          f"{args.warmup} warm-up, history of {args.spans:,} spans up to {date.today()}")
    print(f"{'command':<26}{'min':>9}{'median':>9}{'max':>9}   ratio to python -c pass: "
          "of the medians (of the minimums, the least disturbed on a shared machine)")
    for name, walls in times.items():
        median = statistics.median(walls)
        ratio = median / base
        verdict = ""
        if name in CHECKED:
            verdict = f"  [target <= {TARGET:g}x] {'OK' if ratio <= TARGET else 'MISS'}"
        print(f"{name:<26}{min(walls) * 1000:>7.1f}ms{median * 1000:>7.1f}ms"
              f"{max(walls) * 1000:>7.1f}ms   {ratio:5.2f}x ({min(walls) / base_min:4.2f}x)"
              f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
