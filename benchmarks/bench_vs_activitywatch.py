"""TimeForged and ActivityWatch side by side, on the same scripted desktop, at the same time.

    .venv/bin/python benchmarks/bench_vs_activitywatch.py [--minutes 5]   (--minutes 60: an hour)

One Xvfb display (openbox, trayer as the tray host) runs, all at once:
- ActivityWatch: aw-server and aw-client from PyPI, aw-watcher-window and aw-watcher-afk built
  from their source repositories (not on PyPI: cloned from $AW_SOURCES, GitHub, or the local
  mirror; when none can be had the benchmark says so and stops);
- `timeforged track` (the headless engine) and the tray app `timeforged app`;
- a bare PySide6 tray icon (QApplication + QSystemTrayIcon, nothing else), the floor any Qt tray
  app pays.
The script works the desktop as a person would (xdotool): window switches, typing, a title that
changes every second (a clock in a browser tab), and pauses longer than both idle thresholds.
Printed: CPU (share of one core), peak RSS and bytes stored per hour for each, with the targets
of issue 21 and the ratios: `track` <= 0.3x ActivityWatch's CPU and <= 0.5x its memory; the tray
app <= 1.5x the bare tray icon's memory and <= 0.3 % of a core; stored bytes per hour <= AW's.
Breaks are off in TimeForged's config (an overlay would take the keyboard from the script).
The apps and the scripted windows run in a scratch folder (TimeForged from this checkout
through PYTHONPATH): run from the checkout, `track` took it for the project's repository and
stored its ~490 git commits. Stored bytes are counted from when both databases settled after
start-up (TimeForged's first background passes, 30 s and 60 s after its start: commits, the
insights' day digests of the last 400 days), the same rule for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.ui.xtray import embedded_icons  # noqa: E402
from tests.xsession import XSession, start_session  # noqa: E402

AW_VENV = HERE / ".venv-aw-live"
WATCHERS = ("aw-watcher-window", "aw-watcher-afk")
MIRROR = Path("/work/.mirror")
TRACK_CPU_RATIO, TRACK_RSS_RATIO = 0.3, 0.5
TRAY_RSS_RATIO, TRAY_CPU_PERCENT = 1.5, 0.3
FIRST_PASSES = 75.0  # seconds after its start by which TimeForged's first background passes ran

BARE_TRAY = """
import sys
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(22, 22)
pixmap.fill(QColor("#3b82f6"))
icon = QSystemTrayIcon(QIcon(pixmap))
icon.show()
sys.exit(app.exec())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def watcher_source(name: str, scratch: Path) -> Path | None:
    """A checkout of ActivityWatch/<name>: $AW_SOURCES/<name>, else a clone from GitHub or
    from the local mirror of it."""
    given = os.environ.get("AW_SOURCES")
    if given and (Path(given) / name / "pyproject.toml").exists():
        return Path(given) / name
    target = scratch / name
    for origin in (f"https://github.com/ActivityWatch/{name}",
                   str(MIRROR / f"ActivityWatch+{name}" / "repo")):
        shutil.rmtree(target, ignore_errors=True)
        done = subprocess.run(["git", "clone", "-q", "--depth", "1", origin, str(target)],
                              capture_output=True, timeout=120,
                              env=dict(os.environ, GIT_TERMINAL_PROMPT="0"))
        if done.returncode == 0:
            return target
    return None


def aw_env(scratch: Path) -> Path | None:
    """benchmarks/.venv-aw-live with aw-server, aw-client and both watchers; None (said why)
    when the watchers' sources cannot be had."""
    bin_dir = AW_VENV / "bin"
    if all((bin_dir / tool).exists() for tool in ("aw-server", *WATCHERS)):
        return bin_dir
    sources = [watcher_source(name, scratch) for name in WATCHERS]
    if None in sources:
        missing = [n for n, s in zip(WATCHERS, sources, strict=True) if s is None]
        print(f"cannot build {', '.join(missing)}: not on PyPI, and neither $AW_SOURCES nor "
              "GitHub nor a local mirror has its source here", flush=True)
        return None
    print("creating benchmarks/.venv-aw-live (aw-server 0.12 needs peewee<4) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(AW_VENV)], check=True)
    subprocess.run([str(bin_dir / "pip"), "install", "-q", "aw-server", "aw-client", "peewee<4",
                    *map(str, sources)], check=True)
    return bin_dir


@dataclass
class Measured:
    """CPU seconds and peak RSS of a set of processes (and their children)."""

    name: str
    procs: list[psutil.Process]
    cpu0: float = 0.0
    cpu: float = 0.0
    peak: int = 0
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    def _tree(self) -> list[psutil.Process]:
        found = []
        for proc in self.procs:
            try:
                found += [proc, *proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        for proc in found:
            self.seen.setdefault(proc.pid, proc)
        return found

    def _cpu(self) -> float:
        total = 0.0
        for proc in self.seen.values():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def start(self) -> None:
        self._tree()
        self.cpu0 = self._cpu()

    def sample(self) -> None:
        rss = 0
        for proc in self._tree():
            try:
                rss += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        self.peak = max(self.peak, rss)
        self.cpu = self._cpu() - self.cpu0

    def alive(self) -> bool:
        return all(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in self.procs)


def stored_by_table(paths: list[Path]) -> dict[str, int]:
    """Bytes each table and index of the databases takes in its pages (SQLite's dbstat,
    `sum(pgsize - unused)`), after a checkpoint: page granularity would hide minutes of
    growth."""
    sizes: dict[str, int] = {}
    for path in paths:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for name, size in conn.execute(
                    "SELECT name, sum(pgsize - unused) FROM dbstat GROUP BY name"):
                sizes[name] = sizes.get(name, 0) + (size or 0)
        finally:
            conn.close()
    return sizes


def stored_bytes(paths: list[Path]) -> int:
    """Bytes the databases' rows and indexes take (`stored_by_table`'s sum)."""
    return sum(stored_by_table(paths).values())


def timeforged_home(root: Path, name: str) -> Path:
    home = root / name
    home.mkdir()
    (home / "config.toml").write_text(
        f"[api]\nport = {free_port()}\n\n[breaks]\nenabled = false\n")
    return home


def start(session: XSession, argv: list[str], env: dict[str, str], log: Path) -> psutil.Process:
    """`argv` started in the folder of `log`, a scratch folder (in this repository's,
    TimeForged would take it for the project's repository and read its commits once)."""
    proc = subprocess.Popen(argv, env={**session.env, **env}, cwd=log.parent,
                            stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    session.children.append(proc)
    return psutil.Process(proc.pid)


def wait_for(what: str, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def settled(paths: Callable[[], list[Path]], started: float, most: float = 180.0) -> None:
    """Wait until the databases' stored bytes stop changing, at least until the first
    background passes of TimeForged ran (30 s and 60 s after its start: commits, the insights'
    day digests of the last 400 days) and at most `most` seconds after `started` (monotonic):
    what an app does once as it starts is not a rate per hour."""
    last = None
    while time.monotonic() < started + most:
        now = stored_bytes(paths())
        if now == last and time.monotonic() > started + FIRST_PASSES:
            return
        last = now
        time.sleep(5)


def work(session: XSession, minutes: float, measured: list[Measured], cwd: Path) -> None:
    """A scripted desktop: three windows visited in turn, typing, one title changing every
    second, and a 4-minute pause in every 12 minutes (beyond both idle thresholds). The
    windows' processes run in `cwd`, a folder of no project (not this repository, whose
    commits TimeForged would read once for the terminal's project)."""
    windows = [session.open_window("cart.py - webshop - Visual Studio Code", "Code", cwd=cwd),
               session.open_window("Pull requests · webshop - Chromium", "Chromium", cwd=cwd),
               session.open_window("~/webshop: pytest", "XTerm", cwd=cwd)]
    began = time.monotonic()
    end = began + minutes * 60
    tick = 0
    while time.monotonic() < end:
        tick += 1
        second = int(time.monotonic() - began)
        paused = second % 720 >= 480
        if not paused:
            if tick % 20 == 0:
                windows[(tick // 20) % 3].activate()
            if tick % 3 == 0:
                session.xdotool("type", "--delay", "40", "ok ")
            else:
                session.xdotool("mousemove", str(300 + tick % 200), str(300 + tick % 120))
        windows[1].set_title(f"({tick % 60}) Inbox · {second // 60}:{second % 60:02d} - Chromium")
        for m in measured:
            m.sample()
        time.sleep(max(0.0, began + tick - time.monotonic()))
    for m in measured:
        m.sample()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="timeforged-vs-aw-"))
    session = None
    try:
        aw_bin = aw_env(root)
        if aw_bin is None:
            return 2
        session = start_session(1600, 900)
        session.start_tray_host()
        aw_port = free_port()
        aw_conf = root / "aw-config"
        for part in ("aw-server", "aw-client"):
            (aw_conf / "activitywatch" / part).mkdir(parents=True)
        (aw_conf / "activitywatch" / "aw-client" / "aw-client.toml").write_text(
            f'[server]\nhostname = "127.0.0.1"\nport = "{aw_port}"\n')
        aw_data = root / "aw-data"
        aw = {"XDG_CONFIG_HOME": str(aw_conf), "XDG_DATA_HOME": str(aw_data),
              "XDG_CACHE_HOME": str(root / "aw-cache")}
        server = start(session, [str(aw_bin / "aw-server"), "--host", "127.0.0.1", "--port",
                                 str(aw_port)], aw, root / "aw-server.log")
        wait_for("aw-server", lambda: listening(aw_port))
        watchers = [start(session, [str(aw_bin / name)], aw, root / f"{name}.log")
                    for name in WATCHERS]

        track_home = timeforged_home(root, "track")
        started = time.monotonic()
        tf = [sys.executable, "-m", "desktop.cli"]
        code = {"PYTHONPATH": str(ROOT)}  # this checkout's, run from the scratch folder
        track = start(session, [*tf, "track"], {**code, "TIMEFORGED_HOME": str(track_home)},
                      root / "track.log")
        app_home = timeforged_home(root, "app")
        app = start(session, [*tf, "app", "--autostart"],
                    {**code, "TIMEFORGED_HOME": str(app_home), "QT_QPA_PLATFORM": "xcb",
                     "XDG_CONFIG_HOME": str(app_home / "xdg")}, root / "app.log")
        bare = start(session, [sys.executable, "-c", BARE_TRAY], {"QT_QPA_PLATFORM": "xcb"},
                     root / "bare.log")
        wait_for("both tray icons", lambda: len(embedded_icons(session)) >= 2)
        time.sleep(10)  # start-up work is not steady state
        settled(lambda: sorted(aw_data.rglob("*.db")) + sorted(track_home.glob("*.sqlite3")),
                started)

        measured = [Measured("ActivityWatch (server + 2 watchers)", [server, *watchers]),
                    Measured("timeforged track", [track]),
                    Measured("timeforged tray app", [app]),
                    Measured("bare PySide6 tray icon", [bare])]
        before = {
            "aw": stored_by_table(sorted(aw_data.rglob("*.db"))),
            "track": stored_by_table(sorted(track_home.glob("*.sqlite3"))),
        }
        for m in measured:
            m.start()
        t0 = time.monotonic()
        print(f"working the desktop for {args.minutes:g} min ...", flush=True)
        (root / "desk").mkdir()
        work(session, args.minutes, measured, root / "desk")
        seconds = time.monotonic() - t0
        dead = [m.name for m in measured if not m.alive()]
        if dead:
            raise RuntimeError(f"died during the run: {', '.join(dead)} (logs in {root})")
        for proc in (track, server, *watchers):  # track writes what it holds as it stops
            proc.terminate()
        psutil.wait_procs([track, server, *watchers], timeout=30)
        after = {
            "aw": stored_by_table(sorted(aw_data.rglob("*.db"))),
            "track": stored_by_table(sorted(track_home.glob("*.sqlite3"))),
        }
        grown = {app: {name: size - before[app].get(name, 0) for name, size in tables.items()}
                 for app, tables in after.items()}
        report(measured, seconds, grown)
        return 0
    finally:
        if session is not None:
            session.close()
        shutil.rmtree(root, ignore_errors=True)


def report(measured: list[Measured], seconds: float,
           grown: dict[str, dict[str, int]]) -> None:
    """The figures and verdicts; `grown`: bytes stored during the run per app, per table and
    index."""
    aw, track, app, bare = measured
    mib = 2**20

    def line(m: Measured) -> None:
        print(f"  {m.name:<38} CPU {100 * m.cpu / seconds:6.2f} % of a core   "
              f"peak RSS {m.peak / mib:7.1f} MiB")

    print(f"\nmeasured over {seconds / 60:.1f} min, all running at once:")
    for m in measured:
        line(m)

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISS"

    cpu_ratio = track.cpu / aw.cpu if aw.cpu else float("inf")
    rss_ratio = track.peak / aw.peak
    print(f"\ntrack vs ActivityWatch: CPU {cpu_ratio:.2f}x (target <= {TRACK_CPU_RATIO}x) "
          f"{verdict(cpu_ratio <= TRACK_CPU_RATIO)}; memory {rss_ratio:.2f}x "
          f"(target <= {TRACK_RSS_RATIO}x) {verdict(rss_ratio <= TRACK_RSS_RATIO)}")
    tray_ratio = app.peak / bare.peak
    tray_cpu = 100 * app.cpu / seconds
    print(f"tray app vs bare tray icon: memory {tray_ratio:.2f}x (target <= {TRAY_RSS_RATIO}x) "
          f"{verdict(tray_ratio <= TRAY_RSS_RATIO)}; CPU {tray_cpu:.2f} % of a core "
          f"(target <= {TRAY_CPU_PERCENT} %) {verdict(tray_cpu <= TRAY_CPU_PERCENT)}")
    hours = seconds / 3600
    aw_rate, tf_rate = sum(grown["aw"].values()) / hours, sum(grown["track"].values()) / hours
    print(f"stored per hour: timeforged {tf_rate / 1024:.1f} KiB, ActivityWatch "
          f"{aw_rate / 1024:.1f} KiB ({tf_rate / aw_rate:.2f}x, target <= 1x) "
          f"{verdict(tf_rate <= aw_rate)}" if aw_rate else
          f"stored per hour: timeforged {tf_rate / 1024:.1f} KiB, ActivityWatch nothing")
    if seconds < 3600:
        print("  (a run under an hour counts at the hourly rate what a title costs the first "
              "time it is seen (its activity, classification, rollup rows), which most titles "
              "are in the first minutes: --minutes 60 gives the figure the target is about)")
    for app, label in (("track", "timeforged"), ("aw", "ActivityWatch")):
        print(f"  {label}, bytes stored during the run per table and index (per hour):")
        for name, size in sorted(grown[app].items(), key=lambda item: -item[1]):
            if size:
                print(f"    {name:<40} {size:8,d} B  ({size / hours / 1024:6.1f} KiB/h)")


if __name__ == "__main__":
    sys.exit(main())
