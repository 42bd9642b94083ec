"""Idle time from ``org.freedesktop.ScreenSaver.GetSessionIdleTime`` on a KDE Plasma session,
the last resort when the compositor offers no Wayland idle protocol.

Plasma's screen locker (kscreenlocker, inside KWin on Wayland) answers it with KIdleTime's
idle time in milliseconds, although the introspection names the value ``seconds``. Plasma
5.27 on Wayland refuses it ("GetSessionIdleTime is not supported on this platform", seen
under KWin 5.27.5), so there it only says why; other implementations (gnome-screensaver,
xfce4-screensaver) answer in seconds, so it is asked on KDE sessions only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable

DEST = "org.freedesktop.ScreenSaver"
PATH = "/ScreenSaver"
METHOD = "org.freedesktop.ScreenSaver.GetSessionIdleTime"


class ScreenSaverIdle:
    """Polled; the constructor asks once and raises WatcherUnavailable when refused."""

    name = "idle.screensaver"

    def __init__(self, call: Callable[..., Any] | None = None) -> None:
        self._bus = SessionBus() if call is None else None
        self._call = call or self._bus.call
        try:
            self.seconds_idle()
        except WatcherUnavailable:
            self.close()
            raise

    def seconds_idle(self) -> float:
        reply = self._call(DEST, PATH, METHOD)
        if not (isinstance(reply, tuple) and len(reply) == 1 and isinstance(reply[0], int)):
            raise WatcherUnavailable(f"unexpected GetSessionIdleTime reply: {reply!r}")
        return reply[0] / 1000.0

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
