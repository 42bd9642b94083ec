"""A CPU cap on some processes, by a cgroup of their own with a CFS quota (the cgroup v1 `cpu`
controller, or cgroup v2's cpu.max): on a machine with few cores, capping each server process
to a fraction of a core stands in for a core of its own (bench_server_horizontal.py --cap).
Needs root and a writable cgroup file system; `why_not()` says what is missing."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import psutil

_PERIOD = 100_000  # microseconds


def _mount() -> tuple[Path, int] | None:
    """(the cpu controller's root, cgroup version), or None."""
    with open("/proc/mounts") as mounts:
        found = [line.split() for line in mounts]
    for _, where, kind, options, *_ in found:
        if kind == "cgroup" and "cpu" in options.split(","):
            return Path(where), 1
    for _, where, kind, *_ in found:
        if kind == "cgroup2" and "cpu" in (Path(where) / "cgroup.controllers").read_text().split():
            return Path(where), 2
    return None


def why_not() -> str | None:
    """Why caps cannot be set here, or None when they can."""
    mount = _mount()
    if mount is None:
        return "no cgroup file system with the cpu controller"
    if not os.access(mount[0], os.W_OK):
        return f"{mount[0]} is not writable (not root?)"
    return None


class CpuCap:
    """A cgroup holding the processes given to `add`, together using at most `cores` of CPU
    time (a quota per 100 ms period). `close` moves them back and removes it."""

    def __init__(self, name: str, cores: float) -> None:
        mount = _mount()
        if mount is None:
            raise RuntimeError(why_not())
        root, self.version = mount
        self.root = root
        self.path = root / f"timeforged-bench-{name}-{os.getpid()}"
        self.path.mkdir()
        quota = max(1000, round(cores * _PERIOD))
        if self.version == 1:
            (self.path / "cpu.cfs_period_us").write_text(str(_PERIOD))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            (self.path / "cpu.max").write_text(f"{quota} {_PERIOD}")

    def add(self, pid: int) -> None:
        """The process `pid` and its children now; children forked later follow them."""
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            (self.path / "cgroup.procs").write_text(str(p.pid))

    def close(self) -> None:
        for pid in (self.path / "cgroup.procs").read_text().split():
            with suppress(OSError):  # ended meanwhile
                (self.root / "cgroup.procs").write_text(pid)
        self.path.rmdir()
