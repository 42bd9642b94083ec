"""The GNOME backends through real calls on a real session bus (dbus-run-session): over the
persistent connection, and through the `gdbus` tool.

No GNOME Shell runs here, so a small service built with jeepney stands in for it, owning the
same bus names and answering with the same signatures as the extensions and Mutter.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator

import pytest

from watchers import gdbus
from watchers.idle.gnome import MutterIdle
from watchers.window.base import WatcherUnavailable
from watchers.window.wayland import GnomeShellWatcher, create_wayland_watcher

jeepney = pytest.importorskip("jeepney")
from jeepney import new_error, new_method_return  # noqa: E402

from tests.dbus_standin import StandIn  # noqa: E402

pytestmark = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or shutil.which("gdbus") is None,
    reason="needs a session bus (run the tests under dbus-run-session) and gdbus")

FOCUSED = {"title": "It's \"quoted\" — naïve.py - Visual Studio Code", "wm_class": "Code",
           "wm_class_instance": "code", "pid": os.getpid(), "id": 12, "focus": True,
           "frame_type": 0, "window_type": 0, "layer": 2, "monitor": 0, "role": None}


class FakeShell(StandIn):
    """Answers FocusedWindow.Get and Mutter's GetIdletime on the session bus."""

    def __init__(self) -> None:
        self.focused = FOCUSED
        self.idle_ms = 4321
        super().__init__("org.gnome.Shell", "org.gnome.Mutter.IdleMonitor")

    def answer(self, msg, path, member):
        if path == "/org/gnome/shell/extensions/FocusedWindow" and member == "Get":
            return new_method_return(msg, "s", (json.dumps(self.focused),))
        if path == "/org/gnome/Mutter/IdleMonitor/Core" and member == "GetIdletime":
            return new_method_return(msg, "t", (self.idle_ms,))
        return new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                         (f"no {member} on {path}",))


@pytest.fixture
def shell() -> Iterator[FakeShell]:
    s = FakeShell()
    yield s
    s.close()


@pytest.mark.parametrize("call", [None, gdbus.call], ids=["connection", "gdbus"])
def test_focused_window(shell, call):
    watcher = create_wayland_watcher("wayland-gnome", call=call)
    try:
        info = watcher.active_window()
        assert info.title == FOCUSED["title"]
        assert (info.app, info.pid, info.source) == ("Code", os.getpid(), "window.gnome")
        shell.focused = {}
        assert watcher.active_window() is None
    finally:
        watcher.close()


@pytest.mark.parametrize("call", [None, gdbus.call], ids=["connection", "gdbus"])
def test_mutter_idle(shell, call):
    idle = MutterIdle(call)
    try:
        assert idle.seconds_idle() == pytest.approx(4.321)
    finally:
        idle.close()


def test_missing_extension_is_unavailable_not_a_crash():
    # No stand-in on the bus: org.gnome.Shell is not there at all.
    watcher = GnomeShellWatcher()
    try:
        with pytest.raises(WatcherUnavailable, match="timeforged setup-wayland"):
            watcher.active_window()
    finally:
        watcher.close()


def test_connection_is_cheap(shell):
    watcher = create_wayland_watcher("wayland-gnome")
    try:
        watcher.active_window()
        t = time.perf_counter()
        for _ in range(50):
            watcher.active_window()
        assert (time.perf_counter() - t) / 50 < 0.005  # gdbus takes ~10 ms a call
    finally:
        watcher.close()
