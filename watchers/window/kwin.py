"""The focused window on KDE Plasma (KWin 5.27 and 6) through TimeForged's own KWin script.

The script (kwin_script.js) is loaded through org.kde.KWin /Scripting (loadScript, start); it
calls the method Update on a bus name this watcher owns with the active window as JSON, at
start and on every activation, caption or fullscreen change. A thread receives those calls,
so a poll reads the last one: no D-Bus round trip, no process. When KWin restarts (its bus
name changes owner) the script is loaded again at the next poll. close() unloads it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path

from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable, WindowInfo
from watchers.window.wayland import window_info

KWIN = "org.kde.KWin"
SCRIPTING = ("/Scripting", "org.kde.kwin.Scripting")
OBJECT_PATH = "/org/timeforged/Window"
INTERFACE = "org.timeforged.Window"
SCRIPT = Path(__file__).with_name("kwin_script.js")
FIRST_REPORT_TIMEOUT = 3.0


def parse_report(text: str, source: str) -> WindowInfo | None:
    """The script's JSON: {} when nothing is active."""
    data = json.loads(text)
    if not isinstance(data, dict) or not (data.get("resourceClass") or data.get("caption")):
        return None
    app = data.get("resourceClass") or data.get("desktopFileName") or None
    return window_info(app, data.get("caption"), data.get("pid"), source,
                       fullscreen=bool(data.get("fullscreen")), wm_class=app)


class KWinScriptWatcher:
    name = "window.kwin-script"

    def __init__(self) -> None:
        try:
            from jeepney import MatchRule
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as exc:
            raise WatcherUnavailable(f"jeepney is missing ({exc})") from exc
        try:
            self._listen = open_dbus_connection(bus="SESSION")
        except Exception as exc:  # no bus, refused...
            raise WatcherUnavailable(f"cannot connect to the D-Bus session bus: {exc}") from exc
        self.service = f"org.timeforged.Window.p{os.getpid()}"
        self.plugin = f"timeforged-{os.getpid()}"
        self._bus = SessionBus()
        self._report: str | None = None
        self._changed = threading.Condition()
        self._closed = False
        self._kwin_restarted = False
        self._script_path: str | None = None
        try:
            reply = self._listen.send_and_get_reply(message_bus.RequestName(self.service, 4))
            if reply.body != (1,):  # 1: primary owner
                raise WatcherUnavailable(f"cannot own the bus name {self.service}")
            restarts = MatchRule(type="signal", sender="org.freedesktop.DBus",
                                 interface="org.freedesktop.DBus", member="NameOwnerChanged",
                                 path="/org/freedesktop/DBus")
            restarts.add_arg_condition(0, KWIN)
            self._listen.send_and_get_reply(message_bus.AddMatch(restarts))
            threading.Thread(target=self._receive, name=self.name, daemon=True).start()
            self._load()
            with self._changed:
                if not self._changed.wait_for(lambda: self._report is not None,
                                              FIRST_REPORT_TIMEOUT):
                    raise WatcherUnavailable("KWin loaded TimeForged's script but it did not "
                                             "report the active window")
        except WatcherUnavailable:
            self.close()
            raise

    def _load(self) -> None:
        text = SCRIPT.read_text(encoding="utf-8").replace("@SERVICE@", self.service)
        if self._script_path:
            Path(self._script_path).unlink(missing_ok=True)
        folder = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
        fd, self._script_path = tempfile.mkstemp(prefix="timeforged-kwin-", suffix=".js",
                                                 dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        path, iface = SCRIPTING
        try:
            self._bus.call(KWIN, path, f"{iface}.unloadScript", self.plugin)
            self._bus.call(KWIN, path, f"{iface}.loadScript", self._script_path, self.plugin)
            self._bus.call(KWIN, path, f"{iface}.start")
        except WatcherUnavailable as exc:
            raise WatcherUnavailable(f"KWin's scripting interface did not answer: {exc}") from exc

    def _receive(self) -> None:
        from jeepney import HeaderFields, MessageType, new_method_return

        while not self._closed:
            try:
                msg = self._listen.receive(timeout=1.0)
            except TimeoutError:
                continue
            except Exception:  # closed under us, or the bus went away
                return
            fields = msg.header.fields
            if (msg.header.message_type == MessageType.signal
                    and fields.get(HeaderFields.member) == "NameOwnerChanged"
                    and msg.body and msg.body[0] == KWIN):
                with self._changed:
                    self._report, self._kwin_restarted = None, True
                continue
            if (msg.header.message_type != MessageType.method_call
                    or fields.get(HeaderFields.path) != OBJECT_PATH
                    or fields.get(HeaderFields.member) != "Update"):
                continue
            with self._changed:
                self._report = msg.body[0] if msg.body and isinstance(msg.body[0], str) else "{}"
                self._changed.notify_all()
            try:
                self._listen.send(new_method_return(msg))
            except Exception:
                return

    def active_window(self) -> WindowInfo | None:
        if self._closed:
            raise WatcherUnavailable("the KWin script watcher is closed")
        with self._changed:
            report, restarted, self._kwin_restarted = (self._report, self._kwin_restarted,
                                                       False)
        if restarted:
            try:
                self._load()
            except WatcherUnavailable:
                with self._changed:
                    self._kwin_restarted = True  # not back yet: try again at the next poll
                raise
        try:
            return parse_report(report or "{}", self.name)
        except ValueError as exc:
            raise WatcherUnavailable(f"unreadable report from the KWin script: {exc}") from exc

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(WatcherUnavailable):  # KWin gone: the script went with it
            self._bus.call(KWIN, SCRIPTING[0], f"{SCRIPTING[1]}.unloadScript", self.plugin)
        self._bus.close()
        with contextlib.suppress(Exception):  # already closed
            self._listen.close()
        if self._script_path:
            Path(self._script_path).unlink(missing_ok=True)
            self._script_path = None
