"""The focused window on wlroots compositors (river, labwc, Wayfire...) through
`wlr-foreign-toplevel-management-unstable-v1`, spoken directly over the Wayland socket.

The compositor pushes every window's title, app id and state; a poll reads what arrived since
the last one without blocking (one recv). The protocol carries no pid.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from watchers.records import Record
from watchers.wayland_client import CREATED, EVENTS, WaylandClient
from watchers.window.base import WatcherUnavailable, WindowInfo
from watchers.window.wayland import window_info

MANAGER = "zwlr_foreign_toplevel_manager_v1"
HANDLE = "zwlr_foreign_toplevel_handle_v1"
ACTIVATED, FULLSCREEN = 2, 3  # zwlr_foreign_toplevel_handle_v1.state values
NOT_OFFERED = ("this compositor does not offer wlr-foreign-toplevel-management, through which "
               "TimeForged reads the focused window on wlroots compositors: use one that does "
               "(Sway, Hyprland, river, labwc, Wayfire)")

EVENTS.update({
    MANAGER: {0: "n", 1: ""},  # toplevel, finished
    # title, app_id, output_enter, output_leave, state, done, closed, parent
    HANDLE: {0: "s", 1: "s", 2: "o", 3: "o", 4: "a", 5: "", 6: "", 7: "o"},
})
CREATED[(MANAGER, 0)] = HANDLE


class Toplevel(Record):
    __slots__ = ("title", "app_id", "activated", "fullscreen")  # noqa: RUF023

    def __init__(self, title: str | None = None, app_id: str | None = None,
                 activated: bool = False, fullscreen: bool = False) -> None:
        self.title = title
        self.app_id = app_id
        self.activated = activated
        self.fullscreen = fullscreen


class WlrToplevelWatcher:
    name = "window.wlr"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._client = WaylandClient(env)
        self._pending: dict[int, Toplevel] = {}
        self.toplevels: dict[int, Toplevel] = {}  # as of each one's last `done`
        try:
            if MANAGER not in self._client.globals:
                raise WatcherUnavailable(NOT_OFFERED)
            self._client.bind(MANAGER, 3, self._on_manager)
            self._client.roundtrip()
        except WatcherUnavailable:
            self._client.close()
            raise

    def _on_manager(self, _interface: str, opcode: int, args: list[Any]) -> None:
        if opcode == 0:
            self._pending[args[0]] = Toplevel()
            self._client.handlers[args[0]] = lambda _i, op, a, oid=args[0]: self._on_handle(
                oid, op, a)
        else:
            self._client.closed = True

    def _on_handle(self, oid: int, opcode: int, args: list[Any]) -> None:
        top = self._pending.setdefault(oid, Toplevel())
        if opcode == 0:
            top.title = args[0]
        elif opcode == 1:
            top.app_id = args[0]
        elif opcode == 4:
            states = struct.unpack(f"={len(args[0]) // 4}I", args[0])
            top.activated, top.fullscreen = ACTIVATED in states, FULLSCREEN in states
        elif opcode == 5:
            self.toplevels[oid] = top.replace()  # a copy
        elif opcode == 6:
            self._pending.pop(oid, None)
            self.toplevels.pop(oid, None)
            self._client.handlers.pop(oid, None)
            self._client.request(oid, 7)  # destroy

    def active_window(self) -> WindowInfo | None:
        if self._client.closed:
            raise WatcherUnavailable("the compositor stopped sending wlr-foreign-toplevel")
        self._client.dispatch()
        for top in self.toplevels.values():
            if top.activated:
                return window_info(top.app_id, top.title, None, self.name,
                                   fullscreen=top.fullscreen, wm_class=top.app_id)
        return None

    def close(self) -> None:
        self._client.close()
