"""The idle tray app's memory against a bare PySide6 tray icon, and what it has loaded.

    .venv/bin/python benchmarks/bench_tray.py [--seconds 30] [--runs 3]

One Xvfb display (openbox, trayer as the tray host) runs, at once, `timeforged app
--autostart` (on a home used before: its database exists, breaks off) and a bare PySide6 tray
icon (QApplication + QSystemTrayIcon, benchmarks/bench_vs_activitywatch.py's). A first start
also loads Peewee to make the database's schema: that is one start, not the idle app. Once
both icons are in the tray, their RSS is sampled every second for `--seconds`; the peak of each
is the figure, and each run is a fresh pair. Printed: the peaks, their ratio against issue 21's
target (<= 1.5x), and the heavy modules the idle app imported (its own `-X importtime` log).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from benchmarks.bench_vs_activitywatch import BARE_TRAY, Measured, timeforged_home  # noqa: E402
from desktop.engine.store import Store  # noqa: E402
from tests.ui.xtray import embedded_icons  # noqa: E402
from tests.xsession import XSession, start_session, stop_process  # noqa: E402

TARGET = 1.5
HEAVY = ("numpy", "pyqtgraph", "desktop.ui.stats_window", "desktop.ui.settings_dialog",
         "desktop.ui.insights_page", "desktop.ui.commits_view", "desktop.engine.insights",
         "fastapi", "rich", "pygments")
MIB = 2**20


def imported(log: Path) -> set[str]:
    """The modules a process imported, from its `-X importtime` log."""
    return {m.group(1) for m in re.finditer(r"^import time:.*\|\s*([\w.]+)\s*$",
                                            log.read_text(errors="replace"), re.M)}


def one_run(session: XSession, root: Path, seconds: float) -> tuple[int, int, set[str]]:
    """(the app's peak RSS, the bare icon's, the heavy modules the app imported)."""
    home = timeforged_home(root, f"app-{time.monotonic_ns()}")
    Store(home / "timeforged.sqlite3").close()
    env = {**session.env, "TIMEFORGED_HOME": str(home), "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(home / "xdg")}
    log = home / "app.log"
    with log.open("w") as out:
        app = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "desktop.cli", "app",
                                "--autostart"], env=env, cwd=ROOT, stdout=out, stderr=out,
                               start_new_session=True)
        bare = subprocess.Popen([sys.executable, "-c", BARE_TRAY], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(embedded_icons(session)) < 2:
            if time.monotonic() > deadline or app.poll() is not None:
                raise RuntimeError(f"the tray icons did not show (log: {log.read_text()[-2000:]})")
            time.sleep(0.2)
        time.sleep(5)  # start-up work is not the idle state
        measured = [Measured("app", [psutil.Process(app.pid)]),
                    Measured("bare", [psutil.Process(bare.pid)])]
        for _ in range(int(seconds)):
            for m in measured:
                m.sample()
            time.sleep(1)
    finally:
        for proc in (app, bare):
            stop_process(proc)
    loaded = {m for m in imported(log) if m.split(".")[0] in HEAVY or m in HEAVY}
    return measured[0].peak, measured[1].peak, loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="timeforged-tray-"))
    session = start_session(1280, 800)
    tray = None
    try:
        tray = session.start_tray_host()
        runs = [one_run(session, root, args.seconds) for _ in range(args.runs)]
    finally:
        if tray is not None:
            stop_process(tray)
        session.close()
        shutil.rmtree(root, ignore_errors=True)
    ratios = [app / bare for app, bare, _ in runs]
    for i, (app, bare, _) in enumerate(runs, 1):
        print(f"run {i}: tray app {app / MIB:6.1f} MiB, bare tray icon {bare / MIB:6.1f} MiB, "
              f"{app / bare:.2f}x")
    ratio = statistics.median(ratios)
    print(f"tray app vs bare PySide6 tray icon, median of {len(runs)} runs: {ratio:.2f}x "
          f"[target <= {TARGET}x] {'OK' if ratio <= TARGET else 'MISS'}")
    loaded = sorted(set().union(*(m for _, _, m in runs)))
    print(f"heavy modules imported by the idle app: {', '.join(loaded) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
