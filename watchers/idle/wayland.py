"""Idle time from the compositor's idle protocol: `ext-idle-notify-v1`, or KDE's older
`org_kde_kwin_idle` (Sway 1.7, KWin 5), spoken directly over the Wayland socket.

The protocols only say "idle for `timeout`" and "resumed", so one notification with a short
timeout gives idle time to within that timeout: 0 while input came in the last TIMEOUT_MS,
otherwise the time since it fired plus the timeout. A thread waits on the socket so that the
moment an event arrives is known (a poll reading it later would date it wrongly); it wakes
only for events, and once every PUMP_WAKE seconds to see whether it was closed. The
compositor starts counting when the notification is made, so the first TIMEOUT_MS report 0.
Every "resumed" is one idle→active transition (input after TIMEOUT_MS without any), counted
in `resumes`.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Mapping
from typing import Any

from watchers.wayland_client import EVENTS, WaylandClient
from watchers.window.base import WatcherUnavailable

TIMEOUT_MS = 1000
PUMP_WAKE = 1.0

EVENTS.update({
    "wl_seat": {},
    "ext_idle_notification_v1": {0: "", 1: ""},  # idled, resumed
    "org_kde_kwin_idle_timeout": {0: "", 1: ""},  # idle, resumed
})


class WaylandIdle:
    """`name` is ``idle.ext-idle-notify`` or ``idle.kwin-idle``, whichever the compositor has."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 timeout_ms: int = TIMEOUT_MS) -> None:
        self._timeout = timeout_ms / 1000.0
        self._client = WaylandClient(env)
        self._idle_since: float | None = None
        self.resumes = 0
        self._lock = threading.Lock()
        self._error: str | None = None
        try:
            offered = self._client.globals
            if "ext_idle_notifier_v1" not in offered and "org_kde_kwin_idle" not in offered:
                raise WatcherUnavailable("the compositor offers neither ext-idle-notify-v1 nor "
                                         "org_kde_kwin_idle")
            seat = self._client.bind("wl_seat", 1)
            if "ext_idle_notifier_v1" in offered:
                self.name = "idle.ext-idle-notify"
                notifier = self._client.bind("ext_idle_notifier_v1", 1)
                note = self._client.new_object("ext_idle_notification_v1", self._on_event)
                self._client.request(notifier, 1, "nuo", note, timeout_ms, seat)
            else:
                self.name = "idle.kwin-idle"
                idle = self._client.bind("org_kde_kwin_idle", 1)
                note = self._client.new_object("org_kde_kwin_idle_timeout", self._on_event)
                self._client.request(idle, 0, "nou", note, seat, timeout_ms)
            self._client.roundtrip()
        except WatcherUnavailable:
            self._client.close()
            raise
        threading.Thread(target=self._pump, name=self.name, daemon=True).start()

    def _pump(self) -> None:
        while not self._client.closed:
            try:
                ready, _, _ = select.select([self._client], [], [], PUMP_WAKE)
                if ready:
                    with self._lock:
                        self._client.dispatch()
            except (OSError, ValueError, WatcherUnavailable) as exc:
                if not self._client.closed:
                    self._error = str(exc)
                    self._client.close()
                return

    def _on_event(self, _interface: str, opcode: int, _args: list[Any]) -> None:
        # idled: the last input was `timeout` ago; resumed: input now.
        self._idle_since = time.monotonic() - self._timeout if opcode == 0 else None
        if opcode == 1:
            self.resumes += 1

    def seconds_idle(self) -> float:
        if self._client.closed:
            raise WatcherUnavailable(self._error or "the compositor connection is closed")
        with self._lock:
            since = self._idle_since
        return 0.0 if since is None else time.monotonic() - since

    def close(self) -> None:
        self._client.close()
