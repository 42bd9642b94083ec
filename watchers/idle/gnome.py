"""Idle time on GNOME (Wayland or X11) from Mutter's IdleMonitor over D-Bus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable

DEST = "org.gnome.Mutter.IdleMonitor"
PATH = "/org/gnome/Mutter/IdleMonitor/Core"
METHOD = "org.gnome.Mutter.IdleMonitor.GetIdletime"


def parse_idletime(reply: Any) -> float:
    """Seconds from GetIdletime's reply, ``(uint64 1234,)`` parsed: milliseconds in a tuple."""
    if not (isinstance(reply, tuple) and len(reply) == 1 and isinstance(reply[0], int)):
        raise WatcherUnavailable(f"unexpected GetIdletime reply: {reply!r}")
    return reply[0] / 1000.0


class MutterIdle:
    name = "idle.mutter"

    def __init__(self, call: Callable[..., Any] | None = None) -> None:
        self._bus = SessionBus() if call is None else None
        self._call = call or self._bus.call

    def seconds_idle(self) -> float:
        return parse_idletime(self._call(DEST, PATH, METHOD))

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
