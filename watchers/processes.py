"""Cheap, cached process facts: name, exe, cmdline, cwd, children, terminal foreground.

On Linux everything is read from /proc directly (a few microseconds a file); elsewhere
psutil answers (imported there only: ~7 ms of a process's start). Results are cached per pid
for a short TTL.
"""

from __future__ import annotations

import os
import sys

from watchers.records import Frozen
from watchers.ttlcache import TtlCache

SHELLS = frozenset({"bash", "zsh", "fish", "sh", "dash", "ksh", "mksh", "tcsh", "csh", "nu",
                    "elvish", "xonsh", "pwsh", "powershell", "cmd", "cmd.exe", "login"})
INFO_TTL = 2.0
OPEN_FILES_TTL = 5.0
_LINUX = sys.platform.startswith("linux") and os.path.isdir("/proc/self")


class ProcInfo(Frozen):
    __slots__ = ("pid", "name", "exe", "cmdline", "cwd")  # noqa: RUF023

    pid: int
    name: str
    exe: str | None
    cmdline: tuple[str, ...]
    cwd: str | None

    def __init__(self, pid: int, name: str, exe: str | None, cmdline: tuple[str, ...],
                 cwd: str | None) -> None:
        set_ = object.__setattr__
        set_(self, "pid", pid)
        set_(self, "name", name)
        set_(self, "exe", exe)
        set_(self, "cmdline", cmdline)
        set_(self, "cwd", cwd)


_infos: TtlCache[int, ProcInfo | None] = TtlCache(INFO_TTL, 2048)
_open: TtlCache[int, tuple[str, ...]] = TtlCache(OPEN_FILES_TTL, 512)


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields after the command name: [state, ppid, pgrp, session,
    tty_nr, tpgid, ...]."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    return stat[stat.rfind(")") + 2:].split()


def _load(pid: int) -> ProcInfo | None:
    if _LINUX:
        raw = _read(f"/proc/{pid}/cmdline")
        if raw is None:
            return None
        cmdline = tuple(raw.rstrip("\0").split("\0")) if raw else ()
        comm = (_read(f"/proc/{pid}/comm") or "").strip()
        exe = _readlink(f"/proc/{pid}/exe")
        # comm is cut at 15 characters; the executable's or argv[0]'s name is the real one.
        name = comm
        for candidate in (exe, cmdline[0] if cmdline else None):
            base = os.path.basename(candidate or "")
            if base.startswith(comm) and len(base) > len(name):
                name = base
        return ProcInfo(pid, name, exe, cmdline, _readlink(f"/proc/{pid}/cwd"))
    import psutil

    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            name = proc.name()
            exe = _safe(proc.exe)
            cmdline = tuple(_safe(proc.cmdline) or ())
            cwd = _safe(proc.cwd)
    except (psutil.Error, OSError):
        return None
    return ProcInfo(pid, name, exe, cmdline, cwd)


def _safe(call):  # type: ignore[no-untyped-def]
    import psutil

    try:
        return call()
    except (psutil.Error, OSError):
        return None


def proc_info(pid: int, *, now: float | None = None) -> ProcInfo | None:
    """Name, exe, cmdline and cwd of `pid` (None where unreadable), cached briefly."""
    return _infos.get(pid, lambda: _load(pid), now)


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    if _LINUX:
        found: list[int] = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return found
        for tid in tasks:
            text = _read(f"/proc/{pid}/task/{tid}/children")
            if text:
                found.extend(int(c) for c in text.split())
        return found
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def descendants(pid: int, limit: int = 200) -> list[int]:
    """All descendants of `pid`, breadth first."""
    out: list[int] = []
    queue = children(pid)
    while queue and len(out) < limit:
        child = queue.pop(0)
        out.append(child)
        queue.extend(children(child))
    return out


def _tty_mtime(pid: int) -> float:
    """When the process's terminal last saw input or output (coarse; 0 when unknown)."""
    tty = _readlink(f"/proc/{pid}/fd/0")
    if not tty or not tty.startswith("/dev/"):
        return 0.0
    try:
        st = os.stat(tty)
    except OSError:
        return 0.0
    return max(st.st_atime, st.st_mtime)


def _foreground_of_session(leader: int) -> int | None:
    """The foreground process (group leader) on the terminal of session `leader`."""
    fields = _stat_fields(leader)
    if fields is None:
        return None
    tpgid = int(fields[5])
    if tpgid <= 0:
        return None
    if os.path.exists(f"/proc/{tpgid}"):
        return tpgid
    # The group leader exited: any member of that process group will do.
    for pid in descendants(leader):
        member = _stat_fields(pid)
        if member is not None and int(member[2]) == tpgid:
            return pid
    return None


def foreground_processes(terminal_pid: int) -> list[ProcInfo]:
    """For each shell (tab) the terminal runs, the process in its foreground, the most
    recently active terminal first. Linux reads tpgid from /proc; elsewhere the deepest
    descendant stands in for it."""
    shells = children(terminal_pid)
    if not _LINUX:
        deepest = _deepest(terminal_pid)
        info = proc_info(deepest) if deepest else None
        return [info] if info else []
    ranked: list[tuple[float, int]] = []
    for shell in shells:
        fg = _foreground_of_session(shell)
        if fg is None:
            continue
        ranked.append((_tty_mtime(shell), fg))
    ranked.sort(key=lambda item: -item[0])
    return [info for info in (_past_shell(fg) for _, fg in ranked) if info is not None]


def foreground_of(shell: int) -> ProcInfo | None:
    """The foreground process on the terminal of the session led by `shell` (Linux)."""
    if not _LINUX:
        deepest = _deepest(shell)
        return proc_info(deepest or shell)
    fg = _foreground_of_session(shell)
    return _past_shell(fg) if fg is not None else None


def _past_shell(pid: int) -> ProcInfo | None:
    """The foreground process; when that is a shell running a command without job control
    (`sh -c "vim foo.py; ..."`), the command it runs."""
    info = proc_info(pid)
    if info is None or info.name.removeprefix("-") not in SHELLS:
        return info
    fields = _stat_fields(pid)
    group = fields[2] if fields else None
    node = pid
    while True:  # down the children in the same (foreground) process group
        same = [c for c in children(node) if (_stat_fields(c) or [None] * 3)[2] == group]
        if not same:
            break
        node = max(same)
    return (proc_info(node) or info) if node != pid else info


def _deepest(pid: int) -> int | None:
    node, found = pid, None
    while True:
        kids = children(node)
        if not kids:
            return found
        node = found = max(kids)  # the highest pid: usually what was started last


def open_paths(pid: int, *, now: float | None = None) -> tuple[str, ...]:
    """Regular files `pid` holds open (cached for a few seconds)."""
    return _open.get(pid, lambda: _open_paths(pid), now)


def _open_paths(pid: int) -> tuple[str, ...]:
    paths: tuple[str, ...] = ()
    if _LINUX:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            fds = []
        links = (_readlink(f"/proc/{pid}/fd/{fd}") for fd in fds)
        paths = tuple(p for p in links if p and p.startswith("/") and not p.startswith(
            ("/dev/", "/proc/", "/sys/")))
    else:
        import psutil

        try:
            paths = tuple(f.path for f in psutil.Process(pid).open_files())
        except (psutil.Error, OSError):
            paths = ()
    return paths


def clear_caches() -> None:
    _infos.clear()
    _open.clear()
