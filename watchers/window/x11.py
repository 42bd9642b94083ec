"""The focused window on X11, read straight from the X server (watchers.xproto).

One connection stays open. A poll costs one round trip while the active window stays the
same: the active window asked together with the last one's title and state (pipelined); two
when it changed (its title and state asked then). WM_CLASS and _NET_WM_PID, and the process behind
them, are cached per window for a few seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from watchers.records import Frozen
from watchers.window.base import WatcherUnavailable, WindowInfo
from watchers.window.process import process_details
from watchers.window.x11_text import decode_property
from watchers.xproto import Connection, Cookie, XError

CLIENT_CACHE_SECONDS = 10.0
_MAX_LONGS = 2048  # read properties up to 8 KiB in one request
_ATOMS = ("_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "UTF8_STRING", "COMPOUND_TEXT", "_NET_WM_PID",
          "_NET_WM_STATE", "_NET_WM_STATE_FULLSCREEN", "WM_NAME", "WM_CLASS", "STRING")


class _Client(Frozen):
    """What rarely changes for a window: its class and its process."""

    __slots__ = ("wm_class", "instance", "pid", "exe", "process_name", "read_at")  # noqa: RUF023

    wm_class: str | None
    instance: str | None
    pid: int | None
    exe: str | None
    process_name: str | None
    read_at: float

    def __init__(self, wm_class: str | None, instance: str | None, pid: int | None,
                 exe: str | None, process_name: str | None, read_at: float) -> None:
        set_ = object.__setattr__
        set_(self, "wm_class", wm_class)
        set_(self, "instance", instance)
        set_(self, "pid", pid)
        set_(self, "exe", exe)
        set_(self, "process_name", process_name)
        set_(self, "read_at", read_at)


def parse_wm_class(raw: bytes | str | None) -> tuple[str | None, str | None]:
    """WM_CLASS holds "instance\\0class\\0"; returns (class, instance), None where empty."""
    if not raw:
        return None, None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    parts = text.split("\0")
    instance = parts[0] or None
    klass = (parts[1] or None) if len(parts) > 1 else None
    return klass, instance


class X11WindowWatcher:
    """Focused window from _NET_ACTIVE_WINDOW (set by every EWMH window manager), or from the
    X input focus where no window manager publishes it."""

    name = "window.x11"

    def __init__(self, display_name: str | None = None) -> None:
        self._display_name = display_name
        self._display: Connection | None = None
        self._root_id = 0
        self._atoms: dict[str, int] = {}
        self._atom_names: dict[int, str] = {}
        self._clients: dict[int, _Client] = {}
        self._last_wid = 0  # the window active at the last read

    @property
    def display_name(self) -> str:
        return self._display_name or os.environ.get("DISPLAY", "")

    def active_window(self) -> WindowInfo | None:
        try:
            self._connect()
            return self._read()
        except OSError as exc:
            self.close()
            raise WatcherUnavailable(
                f"the X server {self.display_name} went away ({exc}); will reconnect") from exc
        except XError:
            # BadWindow: the window vanished between two requests; no focus this instant.
            return None

    def close(self) -> None:
        display, self._display = self._display, None
        self._clients.clear()
        self._last_wid = 0
        if display is not None:
            display.close()

    def _connect(self) -> None:
        if self._display is not None:
            return
        if not self.display_name:
            raise WatcherUnavailable("no X display: DISPLAY is not set")
        try:
            display = Connection(self.display_name)
        except OSError as exc:
            raise WatcherUnavailable(
                f"cannot connect to the X display {self.display_name}: {exc}") from exc
        self._display = display
        self._root_id = display.root
        self._atoms = dict(zip(_ATOMS, display.intern_atoms(_ATOMS), strict=True))
        self._atom_names = {atom: name for name, atom in self._atoms.items()}

    def _request(self, wid: int, atom: str) -> Cookie:
        """Send a GetProperty without waiting for its reply (call _value() on it later)."""
        assert self._display is not None
        return self._display.get_property(wid, self._atoms[atom], long_length=_MAX_LONGS)

    @staticmethod
    def _value(req: Cookie) -> tuple[int, Any]:
        """(type atom, value) of a GetProperty reply; (0, None) where the property is unset."""
        kind, _, value = req.reply()
        return kind, value

    def _read(self) -> WindowInfo | None:
        # The last active window's properties are asked with the active window itself, in one
        # round trip (one wake-up of the poll thread fewer): used when it is still the one.
        guess = self._last_wid
        active_req = self._request(self._root_id, "_NET_ACTIVE_WINDOW")
        now = time.monotonic()
        ahead = self._properties(guess, now) if guess else None
        kind, active = self._value(active_req)
        # Without an EWMH window manager (no such property at all) the X input focus tells.
        wid = (int(active[0]) if active else 0) if kind else self._focused_client()
        if ahead is not None and wid != guess:
            self._drop(ahead[1])
            ahead = None
        self._last_wid = wid
        if not wid:
            return None
        names, cookies = ahead or self._properties(wid, now)
        assert self._display is not None
        values = self._display.replies(cookies)
        replies = {name: (kind, value) for name, (kind, _, value) in zip(names, values,
                                                                          strict=True)}
        client = self._clients.get(wid)
        if "WM_CLASS" in replies:
            client = self._client(wid, replies["WM_CLASS"][1], replies["_NET_WM_PID"][1], now)
        assert client is not None
        state = replies["_NET_WM_STATE"][1]
        fullscreen = bool(state) and self._atoms["_NET_WM_STATE_FULLSCREEN"] in state
        return WindowInfo(
            app=client.wm_class or client.instance or client.process_name,
            title=self._title(replies["_NET_WM_NAME"], replies["WM_NAME"]),
            pid=client.pid, exe=client.exe, process_name=client.process_name,
            wm_class=client.wm_class, fullscreen=fullscreen, source=self.name,
        )

    def _properties(self, wid: int, now: float) -> tuple[tuple[str, ...], list[Cookie]]:
        """Ask `wid`'s title and state, and its class and pid when not known lately."""
        client = self._clients.get(wid)
        names: tuple[str, ...] = ("_NET_WM_NAME", "WM_NAME", "_NET_WM_STATE")
        if client is None or now - client.read_at >= CLIENT_CACHE_SECONDS:
            names += ("WM_CLASS", "_NET_WM_PID")
        return names, [self._request(wid, name) for name in names]

    def _drop(self, cookies: list[Cookie]) -> None:
        """Read and forget the answers to `cookies` (a window gone since: BadWindow)."""
        assert self._display is not None
        with contextlib.suppress(XError):
            self._display.replies(cookies)

    def _focused_client(self) -> int:
        """The client window holding the input focus (itself or the nearest ancestor with a
        WM_CLASS), for window managers without _NET_ACTIVE_WINDOW; 0 when none."""
        assert self._display is not None
        wid = self._display.get_input_focus().reply()
        for _ in range(8):
            if wid in (0, 1, self._root_id):  # None, PointerRoot, the root window
                return 0
            if self._value(self._request(wid, "WM_CLASS"))[0]:
                return wid
            wid = self._display.query_tree(wid).reply()[1]
        return 0

    def _title(self, net_name: tuple[int, Any], wm_name: tuple[int, Any]) -> str | None:
        # _NET_WM_NAME is UTF-8 by EWMH, whatever type the client labelled it with.
        if net_name[1]:
            return decode_property(net_name[1], "UTF8_STRING")
        kind, raw = wm_name
        if not raw:
            return None
        return decode_property(raw, self._atom_names.get(kind, "STRING"))

    def _client(self, wid: int, wm_class: Any, pid_value: Any, now: float) -> _Client:
        klass, instance = parse_wm_class(wm_class)
        pid = int(pid_value[0]) if pid_value is not None and len(pid_value) else None
        exe, process_name = process_details(pid)
        client = _Client(klass, instance, pid, exe, process_name, now)
        if len(self._clients) > 256:
            self._clients.clear()
        if klass or instance:  # some apps (Spotify) set WM_CLASS late: re-read until they do
            self._clients[wid] = client
        return client
