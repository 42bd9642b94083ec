"""Focused-window watchers, one module per platform; `create_window_watcher` picks one."""

from __future__ import annotations

from watchers.display import detect_session
from watchers.window.base import WatcherUnavailable, WindowInfo, WindowWatcher

__all__ = ["WatcherUnavailable", "WindowInfo", "WindowWatcher", "create_window_watcher"]


def create_window_watcher(session: str | None = None) -> WindowWatcher:
    """The watcher for this session (see watchers.display.detect_session).

    Raises WatcherUnavailable, with a plain reason, when this session offers no way to see
    the focused window.
    """
    session = session or detect_session()
    if session == "x11":
        from watchers.window.x11 import X11WindowWatcher

        return X11WindowWatcher()
    if session == "windows":
        from watchers.window.windows import Win32WindowWatcher

        return Win32WindowWatcher()
    if session == "macos":
        from watchers.window.macos import QuartzWindowWatcher

        try:
            return QuartzWindowWatcher()
        except ImportError as exc:
            raise WatcherUnavailable(f"pyobjc is missing ({exc}): pip install pywinctl") from exc
    if session.startswith("wayland"):
        from watchers.window.wayland import create_wayland_watcher

        return create_wayland_watcher(session)
    raise WatcherUnavailable("no display: DISPLAY and WAYLAND_DISPLAY are not set")
