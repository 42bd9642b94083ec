"""The frozen Linux bundle: its size, the compressed artifacts, the build time and the time
from launch to the tray icon (on a private Xvfb with trayer). Prints figure, target, OK/MISS.
    .venv/bin/python benchmarks/bench_bundle.py [--runs 5]
Reuses the smoke test's cached build (tests/packaging/bundle.py) when the sources are unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.packaging.bundle import build, cache_root, sources_hash, tree_bytes
from tests.ui.xtray import embedded_icons
from tests.xsession import start_session


def line(name: str, value: float, unit: str, target: float | None) -> None:
    verdict = "" if target is None else ("OK" if value < target else "MISS")
    goal = "" if target is None else f"< {target:g} {unit}"
    print(f"{name:<34} {value:>9.2f} {unit:<4} {goal:<12} {verdict}")


# Where the bundle's bytes go, by the first pattern a file's path (below _internal/) matches.
PARTS = (("ICU (trimmed data + libraries)", "PySide6/Qt/lib/libicu"),
         ("Qt libraries and plugins", "PySide6/Qt/"), ("PySide6 bindings", "PySide6/"),
         ("numpy + OpenBLAS", "numpy"), ("cryptography (SecretStorage)", "cryptography"),
         ("Python, stdlib, other libraries", ""))


def breakdown(bundle: Path) -> dict[str, int]:
    """Bytes per part; the executable (it holds the Python code archive) counts as the rest."""
    sizes = dict.fromkeys((name for name, _ in PARTS), 0)
    internal = bundle / "_internal"
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(internal).as_posix() if internal in path.parents else ""
        name = next(name for name, prefix in PARTS if rel.startswith(prefix))
        sizes[name] += path.stat().st_size
    return sizes


def time_to_tray(exe: Path, runs: int) -> list[float]:
    session = start_session()
    trayer = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height",
         "24", "--SetDockType", "true", "--transparent", "false"], env=session.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    times = []
    try:
        time.sleep(1)
        for _ in range(runs):
            home = tempfile.mkdtemp()
            env = dict(session.env, TIMEFORGED_HOME=home, XDG_CONFIG_HOME=f"{home}/xdg")
            started = time.monotonic()
            app = subprocess.Popen([str(exe), "app", "--autostart"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while not embedded_icons(session):
                    if app.poll() is not None or time.monotonic() - started > 30:
                        raise RuntimeError("the frozen app showed no tray icon")
                    time.sleep(0.01)
                times.append(time.monotonic() - started)
            finally:
                app.terminate()
                app.wait(timeout=30)
                while embedded_icons(session):
                    time.sleep(0.05)
                shutil.rmtree(home, ignore_errors=True)
    finally:
        trayer.terminate()
        trayer.wait(timeout=10)
        session.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dist, seconds = build()
    if seconds is None:
        done = cache_root() / sources_hash() / "done"
        seconds = float(done.read_text())
    bundle = tree_bytes(dist / "timeforged")
    tarball = next(dist.glob("*.tar.xz")).stat().st_size
    deb = next(dist.glob("*.deb")).stat().st_size
    times = time_to_tray(dist / "timeforged" / "timeforged", args.runs)
    line("one-folder bundle", bundle / 1e6, "MB", 160)
    line("one-folder bundle (MiB)", bundle / 2**20, "MiB", None)
    parts = breakdown(dist / "timeforged")
    for name, size in parts.items():
        line(f"  {name}", size / 1e6, "MB", None)
    line("tar.xz (xz -6)", tarball / 1e6, "MB", 70)
    line(".deb (xz)", deb / 1e6, "MB", 70)
    line("frozen app to tray icon (median)", statistics.median(times), "s", 2)
    line("frozen app to tray icon (max)", max(times), "s", None)
    line("build (build.sh: bundle, tar, deb)", seconds, "s", None)
    print(json.dumps({"bundle_bytes": bundle, "parts_bytes": parts, "tar_xz_bytes": tarball,
                      "deb_bytes": deb,
                      "tray_seconds": times, "build_seconds": seconds,
                      "cpus": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
