"""The focused window on Windows: GetForegroundWindow and friends through ctypes.

Needs no permission. Windows of elevated processes give their title but not always their
executable (psutil gets AccessDenied): the app then falls back to the process name.
UWP apps are hosted by ApplicationFrameHost.exe; the real app owns a child window.
"""

from __future__ import annotations

import ctypes
import ntpath
from collections.abc import Sequence
from typing import Any

from watchers.records import Frozen
from watchers.window.base import WindowInfo
from watchers.window.process import process_details

UWP_HOST = "applicationframehost.exe"


class Rect(Frozen):
    __slots__ = ("left", "top", "right", "bottom")  # noqa: RUF023

    left: int
    top: int
    right: int
    bottom: int

    def __init__(self, left: int, top: int, right: int, bottom: int) -> None:
        set_ = object.__setattr__
        set_(self, "left", left)
        set_(self, "top", top)
        set_(self, "right", right)
        set_(self, "bottom", bottom)


def app_name(exe: str | None, process_name: str | None) -> str | None:
    """``C:\\Program Files\\Microsoft VS Code\\Code.exe`` -> ``Code``."""
    name = ntpath.basename(exe) if exe else process_name
    if not name:
        return None
    return name[:-4] if name.lower().endswith(".exe") else name


def is_fullscreen(window: Rect, monitor: Rect) -> bool:
    """A window covering its whole monitor (games, presentations, F11 browsers)."""
    return (window.left <= monitor.left and window.top <= monitor.top
            and window.right >= monitor.right and window.bottom >= monitor.bottom)


def uwp_app_pid(host_pid: int, child_pids: Sequence[int]) -> int:
    """The pid that really owns a UWP window: the first child window not owned by the host."""
    return next((pid for pid in child_pids if pid and pid != host_pid), host_pid)


def build_info(title: str, pid: int | None, window: Rect | None, monitor: Rect | None,
               details: tuple[str | None, str | None]) -> WindowInfo:
    exe, process_name = details
    return WindowInfo(app=app_name(exe, process_name), title=title or None, pid=pid or None,
                      exe=exe, process_name=process_name,
                      fullscreen=bool(window and monitor and is_fullscreen(window, monitor)),
                      source="window.win32")


class Win32WindowWatcher:
    name = "window.win32"

    def __init__(self) -> None:
        from ctypes import wintypes

        self._wt = wintypes
        windll: Any = ctypes.windll  # type: ignore[attr-defined]
        user32 = windll.user32
        # Handles are pointer-sized: ctypes' default int conversion would truncate them.
        hwnd, dword = wintypes.HWND, wintypes.DWORD
        user32.GetForegroundWindow.restype = hwnd
        user32.GetWindowTextLengthW.argtypes = [hwnd]
        user32.GetWindowTextW.argtypes = [hwnd, wintypes.LPWSTR, ctypes.c_int]
        user32.GetWindowThreadProcessId.argtypes = [hwnd, ctypes.POINTER(dword)]
        user32.GetWindowRect.argtypes = [hwnd, ctypes.POINTER(wintypes.RECT)]
        user32.MonitorFromWindow.argtypes = [hwnd, dword]
        user32.MonitorFromWindow.restype = wintypes.HMONITOR
        self._user32 = user32

    def active_window(self) -> WindowInfo | None:
        user32, wt = self._user32, self._wt
        hwnd = user32.GetForegroundWindow()
        if not hwnd:
            return None
        length = user32.GetWindowTextLengthW(hwnd)
        buf = ctypes.create_unicode_buffer(length + 1)
        user32.GetWindowTextW(hwnd, buf, length + 1)
        pid = self._pid(hwnd)
        details = process_details(pid)
        if details[1] and details[1].lower() == UWP_HOST:
            pid = uwp_app_pid(pid, self._child_pids(hwnd))
            details = process_details(pid)
        rect = wt.RECT()
        window = monitor = None
        if user32.GetWindowRect(hwnd, ctypes.byref(rect)):
            window = Rect(rect.left, rect.top, rect.right, rect.bottom)
            monitor = self._monitor(hwnd)
        return build_info(buf.value, pid, window, monitor, details)

    def _pid(self, hwnd: Any) -> int:
        pid = self._wt.DWORD()
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return int(pid.value)

    def _child_pids(self, hwnd: Any) -> list[int]:
        pids: list[int] = []
        proto = ctypes.WINFUNCTYPE(self._wt.BOOL, self._wt.HWND, self._wt.LPARAM)

        def collect(child: Any, _lparam: Any) -> bool:
            pids.append(self._pid(child))
            return True

        self._user32.EnumChildWindows(hwnd, proto(collect), 0)
        return pids

    def _monitor(self, hwnd: Any) -> Rect | None:
        wt = self._wt

        class MonitorInfo(ctypes.Structure):
            _fields_ = [("cbSize", wt.DWORD), ("rcMonitor", wt.RECT), ("rcWork", wt.RECT),
                        ("dwFlags", wt.DWORD)]

        handle = self._user32.MonitorFromWindow(hwnd, 2)  # MONITOR_DEFAULTTONEAREST
        info = MonitorInfo()
        info.cbSize = ctypes.sizeof(info)
        if not handle or not self._user32.GetMonitorInfoW(wt.HMONITOR(handle),
                                                          ctypes.byref(info)):
            return None
        r = info.rcMonitor
        return Rect(r.left, r.top, r.right, r.bottom)
