"""Idle time from the X server's MIT-SCREEN-SAVER extension (what xprintidle reads)."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from watchers.window.base import WatcherUnavailable


class XScreenSaverIdle:
    name = "idle.xscreensaver"

    def __init__(self, display_name: str | None = None) -> None:
        self._display_name = display_name
        self._display: Any = None
        self._root: Any = None

    def seconds_idle(self) -> float:
        import Xlib.error

        root = self._connect()
        try:
            return root.screensaver_query_info().idle / 1000.0
        except (Xlib.error.ConnectionClosedError, Xlib.error.DisplayError, OSError) as exc:
            self.close()
            raise WatcherUnavailable(f"the X server went away ({exc})") from exc

    def close(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close
                display.close()

    def _connect(self) -> Any:
        if self._display is not None:
            return self._root
        name = self._display_name or os.environ.get("DISPLAY")
        if not name:
            raise WatcherUnavailable("no X display: DISPLAY is not set")
        import Xlib.display
        import Xlib.error

        try:
            display = Xlib.display.Display(name)
        except (Xlib.error.DisplayError, Xlib.error.ConnectionClosedError, OSError) as exc:
            raise WatcherUnavailable(f"cannot connect to the X display {name}: {exc}") from exc
        if not display.has_extension("MIT-SCREEN-SAVER"):
            display.close()
            raise WatcherUnavailable(f"the X server {name} lacks the MIT-SCREEN-SAVER extension")
        self._display, self._root = display, display.screen().root
        return self._root
