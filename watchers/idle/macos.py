"""Idle time on macOS from CGEventSourceSecondsSinceLastEventType (no permission needed)."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

from watchers.window.base import WatcherUnavailable

COMBINED_SESSION_STATE = 0  # kCGEventSourceStateCombinedSessionState
ANY_INPUT_EVENT = 0xFFFFFFFF  # kCGAnyInputEventType


def _load() -> Callable[[int, int], float]:
    path = ctypes.util.find_library("ApplicationServices")
    if path is None:
        raise WatcherUnavailable("the ApplicationServices framework is missing")
    func = ctypes.cdll.LoadLibrary(path).CGEventSourceSecondsSinceLastEventType
    func.restype = ctypes.c_double
    func.argtypes = [ctypes.c_int32, ctypes.c_uint32]
    return func


class QuartzIdle:
    name = "idle.quartz"

    def __init__(self, seconds_since: Callable[[int, int], float] | None = None) -> None:
        self._seconds_since = seconds_since

    def seconds_idle(self) -> float:
        if self._seconds_since is None:
            self._seconds_since = _load()
        return max(0.0, float(self._seconds_since(COMBINED_SESSION_STATE, ANY_INPUT_EVENT)))

    def close(self) -> None:
        pass
