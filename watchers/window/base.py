"""The focused-window interface every platform backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class WatcherUnavailable(RuntimeError):
    """The watcher cannot see anything on this system; the message says why, plainly."""


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """The focused window. `app` is the WM_CLASS class on X11, the process name elsewhere.

    `warning` says what the backend could not read about this window (a missing permission).
    """

    app: str | None
    title: str | None
    pid: int | None = None
    exe: str | None = None
    process_name: str | None = None
    wm_class: str | None = None
    fullscreen: bool = False
    source: str = "window"
    warning: str | None = None
    document: str | None = None  # the file the window shows, where the system says (macOS)


class WindowWatcher(Protocol):
    name: str

    def active_window(self) -> WindowInfo | None:
        """The focused window now, or None when nothing has focus."""
