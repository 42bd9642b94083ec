"""Idle time on Windows from GetLastInputInfo (no permission needed; this session only)."""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from watchers.window.base import WatcherUnavailable


def elapsed_ms(now_tick: int, last_input_tick: int) -> int:
    """Milliseconds between two GetTickCount values, across the 49.7-day 32-bit wrap."""
    return (now_tick - last_input_tick) & 0xFFFFFFFF


def _read_ticks() -> tuple[int, int]:
    class LastInputInfo(ctypes.Structure):
        _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint)]

    info = LastInputInfo()
    info.cbSize = ctypes.sizeof(info)
    windll = ctypes.windll  # type: ignore[attr-defined]
    if not windll.user32.GetLastInputInfo(ctypes.byref(info)):
        raise WatcherUnavailable("GetLastInputInfo failed")
    return windll.kernel32.GetTickCount() & 0xFFFFFFFF, info.dwTime


class LastInputIdle:
    name = "idle.lastinput"

    def __init__(self, read_ticks: Callable[[], tuple[int, int]] | None = None) -> None:
        self._read_ticks = read_ticks or _read_ticks

    def seconds_idle(self) -> float:
        now, last = self._read_ticks()
        return elapsed_ms(now, last) / 1000.0

    def close(self) -> None:
        pass
