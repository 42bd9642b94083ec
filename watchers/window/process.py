"""The process behind a window: its executable and name, from its pid (on Linux read from
/proc as psutil reads them, without psutil's ~7 ms of a start; elsewhere psutil)."""

from __future__ import annotations

import os
import sys

_LINUX = sys.platform.startswith("linux") and os.path.isdir("/proc/self")


def process_details(pid: int | None) -> tuple[str | None, str | None]:
    """(exe, process name) of `pid`, None where the OS does not tell."""
    if not pid:
        return None, None
    if _LINUX:
        return _from_proc(pid)
    import psutil

    try:
        proc = psutil.Process(pid)
        name = proc.name()
    except (psutil.Error, OSError):
        return None, None
    try:
        exe = proc.exe() or None
    except (psutil.Error, OSError):
        exe = None
    return exe, name


def _decode(raw: bytes) -> str:
    return raw.decode(sys.getfilesystemencoding(), "surrogateescape")


def _cmdline(pid: int) -> list[str] | None:
    """psutil's Process.cmdline() on Linux (None: unreadable)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            data = _decode(f.read())
    except OSError:
        return None
    if not data:
        return []
    sep = "\x00" if data.endswith("\x00") else " "
    data = data.removesuffix(sep)
    args = data.split(sep)
    if sep == "\x00" and len(args) == 1 and " " in data:  # a process that rewrote its argv
        args = data.split(" ")
    return args


def _from_proc(pid: int) -> tuple[str | None, str | None]:
    """What psutil's Process(pid).name() and .exe() answer: the name in /proc/PID/stat (cut
    at 15 characters: then argv[0]'s name where it starts with it); the exe link (without a
    bogus " (deleted)"), else argv[0] when it is an executable file."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None, None
    name = _decode(stat[stat.find(b"(") + 1:stat.rfind(b")")])
    if len(name) >= 15:
        args = _cmdline(pid)
        if args and os.path.basename(args[0]).startswith(name):
            name = os.path.basename(args[0])
    try:
        exe = os.readlink(f"/proc/{pid}/exe").split("\x00")[0]
    except OSError:
        exe = ""
    else:
        if exe.endswith(" (deleted)") and not os.path.exists(exe):
            exe = exe.removesuffix(" (deleted)")
    if not exe:
        args = _cmdline(pid)
        first = args[0] if args else ""
        if os.path.isabs(first) and os.path.isfile(first) and os.access(first, os.X_OK):
            exe = first
    return exe or None, name
