"""The frozen Linux bundle for tests and benchmarks: built once by packaging/build.sh into a
cache folder named after a hash of everything that goes into it, so later runs reuse it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("pyproject.toml", "packaging", "desktop", "watchers")
KEEP_BUILDS = 2


def sources_hash() -> str:
    """Our sources and packaging files, and the installed packages' versions."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        digest.update(f"{dist.metadata['Name']}=={dist.version}\n".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("TIMEFORGED_BUNDLE_CACHE") or Path(base) / "timeforged-bundle")


def build(log=print, *, fast: bool = False) -> tuple[Path, float | None]:
    """The build folder (dist: bundle, tarball, .deb) and the build time (None: reused).
    `fast`: the quickest xz level for the tarball and .deb (the tests), else the release one."""
    root = cache_root()
    target = root / (sources_hash() + ("-fast" if fast else ""))
    dist = target / "dist"
    if (target / "done").is_file():
        return dist, None
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    env = dict(os.environ, DIST_DIR=str(dist), WORK_DIR=str(target / "work"),
               PYTHON=sys.executable, XZ_LEVEL="0" if fast else "6")
    log(f"building the bundle into {target} (reused while the sources stay the same)")
    started = time.monotonic()
    done = subprocess.run([str(ROOT / "packaging" / "build.sh")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise RuntimeError(f"packaging/build.sh failed:\n{done.stdout[-3000:]}\n"
                           f"{done.stderr[-5000:]}")
    seconds = time.monotonic() - started
    shutil.rmtree(target / "work", ignore_errors=True)
    (target / "done").write_text(f"{seconds:.1f}\n")
    old = sorted((p for p in root.iterdir() if p.is_dir() and p != target),
                 key=lambda p: p.stat().st_mtime)
    for stale in old[:max(0, len(old) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(stale, ignore_errors=True)
    return dist, seconds


def tree_bytes(path: Path) -> int:
    """Apparent size of a folder: the sum of its files' sizes."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
