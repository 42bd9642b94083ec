"""Idle time from the X server's MIT-SCREEN-SAVER extension (what xprintidle reads)."""

from __future__ import annotations

import os

from watchers.window.base import WatcherUnavailable
from watchers.xproto import Connection, XError


class XScreenSaverIdle:
    name = "idle.xscreensaver"

    def __init__(self, display_name: str | None = None) -> None:
        self._display_name = display_name
        self._display: Connection | None = None
        self._opcode = 0

    def seconds_idle(self) -> float:
        display = self._connect()
        try:
            return display.screensaver_idle_ms(self._opcode).reply() / 1000.0
        except (OSError, XError) as exc:
            self.close()
            raise WatcherUnavailable(f"the X server went away ({exc})") from exc

    def close(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            display.close()

    def _connect(self) -> Connection:
        if self._display is not None:
            return self._display
        name = self._display_name or os.environ.get("DISPLAY")
        if not name:
            raise WatcherUnavailable("no X display: DISPLAY is not set")
        try:
            display = Connection(name)
        except OSError as exc:
            raise WatcherUnavailable(f"cannot connect to the X display {name}: {exc}") from exc
        try:
            opcode = display.query_extension("MIT-SCREEN-SAVER")
        except (OSError, XError) as exc:
            display.close()
            raise WatcherUnavailable(f"the X server {name} went away ({exc})") from exc
        if opcode is None:
            display.close()
            raise WatcherUnavailable(f"the X server {name} lacks the MIT-SCREEN-SAVER extension")
        self._display, self._opcode = display, opcode
        return display
