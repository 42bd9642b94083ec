"""Commit benchmarks: reading a real 10,000-commit repository (first time, and again with nothing
changed), and the coding time of 10 years of commits over 10 years of synthetic history.

    .venv/bin/python benchmarks/bench_commits.py [--commits 10000] [--spans 5000000]

The repository is built with `git fast-import` into a temporary folder; the history database is
bench_store's, built once into benchmarks/.cache/ and reused (copied, so it stays clean).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_store import LAST_DAY, big_store, timed, verdict
from benchmarks.synthetic import PROJECTS
from desktop.engine import gitlog
from desktop.engine.analytics import Analytics
from desktop.engine.commits import Commits
from desktop.engine.gitlog import Change, Commit
from desktop.engine.rules import Rules
from desktop.engine.store import Store

ME = "bench@example.com"
_GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def build_repository(path: Path, count: int) -> None:
    """`count` commits on main, each changing one of 200 files, one hour apart, via one
    `git fast-import` stream."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=_GIT_ENV)
    rng = random.Random(7)
    start = int(datetime(2016, 1, 1, tzinfo=UTC).timestamp())
    parts: list[str] = []
    for i in range(count):
        body = "".join(f"line {i} {j}\n" for j in range(rng.randrange(1, 30)))
        message = f"change {i}\n"
        parts.append(
            f"commit refs/heads/main\nmark :{i + 1}\n"
            f"author Bench <{ME}> {start + i * 3600} +0000\n"
            f"committer Bench <{ME}> {start + i * 3600} +0000\n"
            f"data {len(message)}\n{message}"
            + (f"from :{i}\n" if i else "")
            + f"M 644 inline src/f{rng.randrange(200)}.py\ndata {len(body)}\n{body}\n")
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input="".join(parts),
                   text=True, check=True, env=_GIT_ENV)
    subprocess.run(["git", "-C", str(path), "config", "user.email", ME], check=True,
                   env=_GIT_ENV)


def bench_repository(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        t = time.perf_counter()
        build_repository(root, count)
        print(f"built a {count:,}-commit repository with git fast-import in "
              f"{time.perf_counter() - t:.1f} s")
        store = Store(Path(tmp) / "tf.sqlite3", device="bench")
        commits = Commits(store, Analytics(store, Rules.load(None), UTC))
        t = time.perf_counter()
        change = gitlog.read(str(root), ())
        assert change is not None
        store.save_commits(str(root), "repo", change, gitlog.emails(str(root)))
        first = time.perf_counter() - t
        print(f"read {len(change.new):,} commits the first time (git + store): "
              f"{first:.2f} s  [target < 5 s]  {verdict(first < 5)}")
        _, wall, cpu = timed(commits.refresh, runs=9)
        print(f"read again, nothing changed (Commits.refresh): {wall * 1000:.1f} ms "
              f"({cpu * 1000:.1f} ms CPU)  [target < 50 ms]  {verdict(wall < 0.05)}")
        store.close()


def synthetic_commits(first: float, last: float) -> list[Commit]:
    """Three commits each weekday between 10:00 and 18:00 UTC from `first` to `last`."""
    rng = random.Random(11)
    out: list[Commit] = []
    day = first - first % 86_400
    while day < last:
        if datetime.fromtimestamp(day, UTC).weekday() < 5:
            for moment in sorted(day + rng.uniform(10, 18) * 3600 for _ in range(3)):
                out.append(Commit(f"{len(out):040x}", 1, ME, "Bench", moment, moment,
                                  f"work {len(out)}", rng.randrange(200), rng.randrange(50)))
        day += 86_400
    return out


def bench_correlation(spans: int) -> None:
    """The time of every commit of 10 years in the busiest project: first in a new process
    (the history's classifications not yet in memory), first in a running app (the statistics
    window has classified the history: a year's summary before), and warm."""
    cached = big_store(spans)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite3"
        shutil.copy(cached, path)
        store = Store(path)
        first_start = store.first_start()
        assert first_start is not None
        end = datetime(LAST_DAY.year + 1, 1, 1, tzinfo=UTC).timestamp()
        made = synthetic_commits(first_start, end)
        store.save_commits("/bench/" + PROJECTS[0], PROJECTS[0], Change("f", made, set()), {ME})
        analytics = Analytics(store, Rules.load(None), ZoneInfo("UTC"))
        t, c = time.perf_counter(), time.process_time()
        times = Commits(store, analytics).times()
        cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
        years = (end - first_start) / (365.25 * 86_400)
        print(f"commit times, {len(times):,} commits over {years:.1f} years "
              f"({sum(t.seconds for t in times) / 3600:,.0f} h of coding):")
        print(f"  first, in a new process: {cold:.2f} s ({cold_cpu:.2f} s CPU)")
        commits = Commits(store, analytics)  # a new one: nothing cached but classifications
        first, wall, cpu = timed(commits.times, runs=5)
        print(f"  first, in the running app: {first:.2f} s  [target < 2 s]  "
              f"{verdict(first < 2)}")
        print(f"  warm: {wall * 1000:.1f} ms ({cpu * 1000:.1f} ms CPU)  [target < 200 ms]  "
              f"{verdict(wall < 0.2)}")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=10_000, help="size of the repository")
    parser.add_argument("--spans", type=int, default=5_000_000,
                        help="size of the history (5,000,000: 10 years)")
    args = parser.parse_args()
    bench_repository(args.commits)
    bench_correlation(args.spans)


if __name__ == "__main__":
    main()
