"""The process behind a window: its executable and name, from its pid."""

from __future__ import annotations

import psutil


def process_details(pid: int | None) -> tuple[str | None, str | None]:
    """(exe, process name) of `pid`, None where the OS does not tell."""
    if not pid:
        return None, None
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
