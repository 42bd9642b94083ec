"""The GNOME backends through real calls on a real session bus (dbus-run-session): over the
persistent connection, and through the `gdbus` tool.

No GNOME Shell runs here, so a small service built with jeepney stands in for it, owning the
same bus names and answering with the same signatures as the extensions and Mutter.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator

import pytest

from watchers import gdbus
from watchers.idle.gnome import MutterIdle
from watchers.window.base import WatcherUnavailable
from watchers.window.wayland import GnomeShellWatcher, create_wayland_watcher

jeepney = pytest.importorskip("jeepney")
from jeepney import HeaderFields, MessageType, new_error, new_method_return  # noqa: E402
from jeepney.bus_messages import message_bus  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

pytestmark = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or shutil.which("gdbus") is None,
    reason="needs a session bus (run the tests under dbus-run-session) and gdbus")

FOCUSED = {"title": "It's \"quoted\" — naïve.py - Visual Studio Code", "wm_class": "Code",
           "wm_class_instance": "code", "pid": os.getpid(), "id": 12, "focus": True,
           "frame_type": 0, "window_type": 0, "layer": 2, "monitor": 0, "role": None}


class FakeShell:
    """Answers FocusedWindow.Get and Mutter's GetIdletime on the session bus."""

    def __init__(self) -> None:
        self.conn = open_dbus_connection(bus="SESSION")
        for name in ("org.gnome.Shell", "org.gnome.Mutter.IdleMonitor"):
            self.conn.send_and_get_reply(message_bus.RequestName(name))
        self.focused = FOCUSED
        self.idle_ms = 4321
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            fields = msg.header.fields
            path, member = fields.get(HeaderFields.path), fields.get(HeaderFields.member)
            if path == "/org/gnome/shell/extensions/FocusedWindow" and member == "Get":
                reply = new_method_return(msg, "s", (json.dumps(self.focused),))
            elif path == "/org/gnome/Mutter/IdleMonitor/Core" and member == "GetIdletime":
                reply = new_method_return(msg, "t", (self.idle_ms,))
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                                  (f"no {member} on {path}",))
            self.conn.send(reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.conn.close()


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
