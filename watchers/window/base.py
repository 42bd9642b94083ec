"""The focused-window interface every platform backend implements."""

from __future__ import annotations

from typing import Protocol

from watchers.records import Frozen


class WatcherUnavailable(RuntimeError):
    """The watcher cannot see anything on this system; the message says why, plainly."""


class WindowInfo(Frozen):
    """The focused window. `app` is the WM_CLASS class on X11, the process name elsewhere.

    `warning` says what the backend could not read about this window (a missing permission).
    """

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "app", "title", "pid", "exe", "process_name", "wm_class", "fullscreen", "source",
        "warning", "document")

    app: str | None
    title: str | None
    pid: int | None
    exe: str | None
    process_name: str | None
    wm_class: str | None
    fullscreen: bool
    source: str
    warning: str | None
    document: str | None  # the file the window shows, where the system says (macOS)

    def __init__(self, app: str | None, title: str | None, pid: int | None = None,
                 exe: str | None = None, process_name: str | None = None,
                 wm_class: str | None = None, fullscreen: bool = False, source: str = "window",
                 warning: str | None = None, document: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "app", app)
        set_(self, "title", title)
        set_(self, "pid", pid)
        set_(self, "exe", exe)
        set_(self, "process_name", process_name)
        set_(self, "wm_class", wm_class)
        set_(self, "fullscreen", fullscreen)
        set_(self, "source", source)
        set_(self, "warning", warning)
        set_(self, "document", document)


class WindowWatcher(Protocol):
    name: str

    def active_window(self) -> WindowInfo | None:
        """The focused window now, or None when nothing has focus."""
