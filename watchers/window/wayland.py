"""The focused window on Wayland, where only the compositor knows it.

- GNOME: through TimeForged's own Shell extension (watchers.window.gnome_ext, pushed
  changes), else the third-party "Focused Window D-Bus" (flexagoon) or "Window Calls"
  (ickyicky), over a persistent session bus connection.
- KDE Plasma (KWin 5.27, 6): through TimeForged's own KWin script (watchers.window.kwin),
  which pushes every change to a bus name the watcher owns.
- wlroots compositors: Sway and Hyprland through their IPC sockets (`swaymsg`/`hyprctl` as
  the fallback), the others through wlr-foreign-toplevel-management spoken directly on the
  Wayland socket (watchers.window.wlr_toplevel; no pid there).

None costs a process per poll. Where nothing works the factory raises
WatcherUnavailable saying what to do: no titles rather than wrong ones (an XWayland DISPLAY
only sees X clients).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from watchers.display import is_wlroots
from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable, WindowInfo
from watchers.window.compositor_ipc import SwayIpc, hyprland_request, hyprland_socket, sway_socket
from watchers.window.process import process_details

SHELL = "org.gnome.Shell"
# (object path, interface) of the Focused Window D-Bus extension; older releases used the
# capitalised spelling its README shows.
FOCUSED_WINDOW_APIS = (
    ("/org/gnome/shell/extensions/FocusedWindow", "org.gnome.shell.extensions.FocusedWindow"),
    ("/org/gnome/Shell/Extensions/FocusedWindow", "org.gnome.Shell.Extensions.FocusedWindow"),
)
WINDOW_CALLS = ("/org/gnome/Shell/Extensions/Windows", "org.gnome.Shell.Extensions.Windows")

Runner = Callable[[list[str]], str]


def unavailable(session: str, why: str) -> WatcherUnavailable:
    return WatcherUnavailable(f"window titles are unavailable on this Wayland session "
                              f"({session}): {why}")


def window_info(app: str | None, title: str | None, pid: Any, source: str, *,
                fullscreen: bool = False, wm_class: str | None = None) -> WindowInfo:
    """A WindowInfo with the process details filled in from the local pid."""
    pid = int(pid) if isinstance(pid, int) and pid > 0 else None
    exe, process_name = process_details(pid)
    return WindowInfo(app=app or process_name, title=title or None, pid=pid, exe=exe,
                      process_name=process_name, wm_class=wm_class, fullscreen=fullscreen,
                      source=source)


# -- GNOME ------------------------------------------------------------------------------------

def json_reply(reply: Any) -> Any:
    """The JSON document inside a ``('...',)`` reply of the GNOME extensions."""
    if not (isinstance(reply, tuple) and reply and isinstance(reply[0], str)):
        raise ValueError(f"unexpected D-Bus reply: {reply!r}")
    return json.loads(reply[0])


def parse_gnome_window(data: Any, source: str) -> WindowInfo | None:
    """One window's JSON (Focused Window D-Bus's Get, an entry of Window Calls' List)."""
    if not isinstance(data, dict) or not data:
        return None
    app = data.get("wm_class") or data.get("wm_class_instance")
    return window_info(app, data.get("title"), data.get("pid"), source, wm_class=app)


def focused_entry(windows: Any) -> dict[str, Any] | None:
    """The focused window of Window Calls' List (a JSON array), or None."""
    if not isinstance(windows, list):
        raise ValueError("Window Calls' List did not return a list")
    return next((w for w in windows if isinstance(w, dict) and w.get("focus")), None)


class GnomeShellWatcher:
    name = "window.gnome"

    def __init__(self, call: Callable[..., Any] | None = None) -> None:
        self._bus = SessionBus() if call is None else None
        self._call = call or self._bus.call
        self._api: tuple[str, str] | None = None
        self.extension: str | None = None

    def probe(self) -> None:
        """Find which extension answers; raises WatcherUnavailable when none does."""
        for path, iface in FOCUSED_WINDOW_APIS:
            try:
                self._call(SHELL, path, f"{iface}.Get")
            except WatcherUnavailable:
                continue
            self._api, self.extension = (path, iface), "focused-window-dbus"
            return
        try:
            self._call(SHELL, WINDOW_CALLS[0], f"{WINDOW_CALLS[1]}.List")
        except WatcherUnavailable as exc:
            raise unavailable("wayland-gnome", "run `timeforged setup-wayland` (it installs "
                              "TimeForged's GNOME Shell extension), then log out and back "
                              "in") from exc
        self._api, self.extension = WINDOW_CALLS, "window-calls"

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()

    def active_window(self) -> WindowInfo | None:
        if self._api is None:
            self.probe()
        assert self._api is not None
        path, iface = self._api
        try:
            if self.extension == "focused-window-dbus":
                return parse_gnome_window(json_reply(self._call(SHELL, path, f"{iface}.Get")),
                                          self.name)
            entry = focused_entry(json_reply(self._call(SHELL, path, f"{iface}.List")))
            if entry is not None and "title" not in entry and entry.get("id") is not None:
                # Window Calls releases that left the title out of List have GetTitle.
                reply = self._call(SHELL, path, f"{iface}.GetTitle", int(entry["id"]))
                entry = {**entry, "title": reply[0] if reply else None}
            return parse_gnome_window(entry, self.name) if entry else None
        except ValueError as exc:
            raise WatcherUnavailable(f"unreadable answer from the {self.extension} "
                                     f"GNOME extension: {exc}") from exc
        except WatcherUnavailable:
            self._api = None  # disabled, or swapped for the other extension: probe again
            raise


# -- wlroots ----------------------------------------------------------------------------------

def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in (*node.get("nodes", ()), *node.get("floating_nodes", ())):
        yield from _nodes(child)


def parse_sway_tree(tree: dict[str, Any], source: str) -> WindowInfo | None:
    """The focused leaf of `swaymsg -t get_tree` (XWayland windows carry window_properties)."""
    for node in _nodes(tree):
        if node.get("focused") and node.get("type") in ("con", "floating_con"):
            props = node.get("window_properties") or {}
            app = node.get("app_id") or props.get("class") or props.get("instance")
            return window_info(app, node.get("name"), node.get("pid"), source,
                               fullscreen=bool(node.get("fullscreen_mode")),
                               wm_class=props.get("class") or node.get("app_id"))
    return None


def parse_hyprland(data: Any, source: str) -> WindowInfo | None:
    """`hyprctl -j activewindow`: {} when nothing has focus; fullscreen is a bool or a mode."""
    if not isinstance(data, dict) or (not data.get("class") and not data.get("title")):
        return None
    return window_info(data.get("class") or data.get("initialClass"), data.get("title"),
                       data.get("pid"), source, fullscreen=bool(data.get("fullscreen")),
                       wm_class=data.get("class"))


def run_tool(args: list[str], timeout: float = 2.0) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WatcherUnavailable(f"{args[0]} failed: {exc}") from exc
    if done.returncode != 0:
        raise WatcherUnavailable(f"{args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


class PolledWatcher:
    """Fetches a text answer per poll (a helper's output, an IPC reply) and parses it."""

    def __init__(self, name: str, what: str, fetch: Callable[[], str],
                 parse: Callable[[str, str], WindowInfo | None],
                 close: Callable[[], None] | None = None) -> None:
        self.name, self._what, self._fetch, self._parse = name, what, fetch, parse
        self._close = close

    def active_window(self) -> WindowInfo | None:
        out = self._fetch()
        try:
            return self._parse(out, self.name)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WatcherUnavailable(f"unreadable answer from {self._what}: {exc}") from exc

    def close(self) -> None:
        if self._close is not None:
            self._close()


def command_watcher(name: str, args: list[str], parse: Callable[[str, str], WindowInfo | None],
                    run: Runner = run_tool) -> PolledWatcher:
    return PolledWatcher(name, os.path.basename(args[0]), lambda: run(args), parse)


def _json(parse: Callable[[Any, str], WindowInfo | None]) -> Callable[[str, str], Any]:
    return lambda out, source: parse(json.loads(out), source)


def create_wayland_watcher(session: str, which: Callable[[str], str | None] = shutil.which,
                           call: Callable[..., Any] | None = None,
                           env: Mapping[str, str] | None = None) -> Any:
    """The best watcher this Wayland session offers; WatcherUnavailable saying why if none."""
    desktop = session.removeprefix("wayland-").removeprefix("wayland")
    if desktop == "gnome":
        if call is None:
            from watchers.window.gnome_ext import GnomeExtensionWatcher

            with contextlib.suppress(WatcherUnavailable):  # not installed: the others then
                return GnomeExtensionWatcher()
        watcher = GnomeShellWatcher(call)
        watcher.probe()
        return watcher
    if desktop == "kde":
        from watchers.window.kwin import KWinScriptWatcher

        try:
            return KWinScriptWatcher()
        except WatcherUnavailable as exc:
            raise unavailable(session, str(exc)) from exc
    if desktop in ("sway", "swayfx"):
        if path := sway_socket(env):
            ipc = SwayIpc(path)
            return PolledWatcher("window.sway", "the Sway IPC socket", ipc.get_tree,
                                 _json(parse_sway_tree), ipc.close)
        if tool := which("swaymsg"):
            return command_watcher("window.sway", [tool, "-t", "get_tree", "-r"],
                                   _json(parse_sway_tree))
    if desktop == "hyprland":
        if path := hyprland_socket(env):
            return PolledWatcher("window.hyprland", "the Hyprland socket",
                                 lambda: hyprland_request(path, "j/activewindow"),
                                 _json(parse_hyprland))
        if tool := which("hyprctl"):
            return command_watcher("window.hyprland", [tool, "-j", "activewindow"],
                                   _json(parse_hyprland))
    from watchers.window.wlr_toplevel import WlrToplevelWatcher

    try:  # any other compositor with wlr-foreign-toplevel (river, labwc, Wayfire...)
        return WlrToplevelWatcher(env)
    except WatcherUnavailable as exc:
        if is_wlroots(session):
            raise unavailable(session, str(exc)) from exc
    raise unavailable(session, "this compositor lets no program read the focused window; "
                      "TimeForged reads it on GNOME, KDE Plasma and wlroots compositors (Sway, "
                      "Hyprland, river, labwc...)")
