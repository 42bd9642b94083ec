"""How fast the `timeforged` command answers, against the same interpreter's bare start.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15] [--warmup 3] [--spans 500000]
                                             [--against OTHER_CHECKOUT]

A year of history (benchmarks/synthetic.py, ending now) is built once a day into
benchmarks/.cache/ and found where an installed TimeForged finds it ($XDG_DATA_HOME, no
TIMEFORGED_HOME). The commands run on an Xvfb desktop (openbox) with an editor's window
focused, so that `now` infers what it would on a desktop. Each is run as a whole process
(`python -m desktop.cli` from this checkout, its bytecode compiled by the warm-up as pip
compiles an installed package's), hyperfine-like: warm-up runs, then `--runs` timed runs,
interleaved between the commands so that a noisy neighbour hurts them all alike. Printed:
min/median/max wall time of each, and its median's ratio to `python -c pass` against issue 21's
target (<= 3x); then the CPU time (user + system) of each, less disturbed by the neighbours of a
shared machine. `--against` runs the same commands from another checkout (`git archive
HEAD~4 | tar -x -C /tmp/before`) interleaved with this one's, and prints this one's CPU and wall
time over the other's.
"""

from __future__ import annotations

import argparse
import os
import socket
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_one(argv: tuple[str, ...], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process."""
    t = time.perf_counter()
    child = subprocess.Popen([sys.executable, *argv], cwd=cwd, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    assert child.stderr is not None
    errors = child.stderr.read().decode()
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} in {cwd} failed ({code}): {errors}")
    return wall, usage.ru_utime + usage.ru_stime


def run_all(env: dict[str, str], runs: int, warmup: int, checkouts: list[Path]
            ) -> dict[Path, dict[str, list[tuple[float, float]]]]:
    """Each checkout's (wall, CPU) runs of each command, interleaved."""
    times: dict[Path, dict[str, list[tuple[float, float]]]] = {
        root: {name: [] for name in COMMANDS} for root in checkouts}
    for round_ in range(warmup + runs):
        for name, argv in COMMANDS.items():
            for root in checkouts:
                measured = run_one(argv, root, env)
                if round_ >= warmup:
                    times[root][name].append(measured)
    return times


def report(times: dict[str, list[tuple[float, float]]]) -> None:
    for which, title in ((0, "wall"), (1, "CPU")):
        runs = {name: [t[which] for t in measured] for name, measured in times.items()}
        base = statistics.median(runs["python -c pass"])
        base_min = min(runs["python -c pass"])
        print(f"{title:<26}{'min':>9}{'median':>9}{'max':>9}   ratio to python -c pass: "
              "of the medians (of the minimums, the least disturbed on a shared machine)")
        for name, values in runs.items():
            median = statistics.median(values)
            ratio = median / base
            verdict = ""
            if name in CHECKED:
                verdict = f"  [target <= {TARGET:g}x] {'OK' if ratio <= TARGET else 'MISS'}"
            print(f"{name:<26}{min(values) * 1000:>7.1f}ms{median * 1000:>7.1f}ms"
                  f"{max(values) * 1000:>7.1f}ms   {ratio:5.2f}x "
                  f"({min(values) / base_min:4.2f}x){verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--spans", type=int, default=500_000, help="default: about a year")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="another checkout of TimeForged, run interleaved with this one")
    args = parser.parse_args()
    checkouts = [ROOT] + ([args.against.resolve()] if args.against else [])
    data = year_of_data(args.spans)
    session = start_session(1280, 800)
    try:
        session.open_window("cart.py - webshop - Visual Studio Code", "Code")
        # The API's port one where nothing answers: a TimeForged running on this machine would
        # make `status` ask it (no app runs beside the history measured).
        env = {**session.env, "XDG_DATA_HOME": str(data), "NO_COLOR": "1", "COLUMNS": "100",
               "TIMEFORGED_API_PORT": str(free_port())}
        for name in ("TIMEFORGED_HOME", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        times = run_all(env, args.runs, args.warmup, checkouts)
    finally:
        session.close()
    print(f"{sys.executable} (Python {sys.version.split()[0]}), {args.runs} runs after "
          f"{args.warmup} warm-up, history of {args.spans:,} spans up to {date.today()}")
    for root in checkouts:
        print(f"\n{root}")
        report(times[root])
    if args.against:
        ours, theirs = times[ROOT], times[checkouts[1]]
        print(f"\n{ROOT} over {checkouts[1]}: CPU of the medians (of the minimums); wall")
        for name in COMMANDS:
            cpu = [[t[1] for t in measured[name]] for measured in (ours, theirs)]
            wall = [[t[0] for t in measured[name]] for measured in (ours, theirs)]
            print(f"{name:<26}{statistics.median(cpu[0]) / statistics.median(cpu[1]):6.3f} "
                  f"({min(cpu[0]) / min(cpu[1]):5.3f}); "
                  f"{statistics.median(wall[0]) / statistics.median(wall[1]):6.3f} "
                  f"({min(wall[0]) / min(wall[1]):5.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
