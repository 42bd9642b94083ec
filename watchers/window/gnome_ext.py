"""The focused window on GNOME through TimeForged's own GNOME Shell extension
(gnome_extension/: one core, built with an ``imports.*`` head for GNOME 43-44 and an ES-module
head for 45+), which `timeforged setup-wayland` installs.

The extension answers Get() and emits Changed on every focus, title or fullscreen change; a
thread receives the signal, so a poll reads the last one without a D-Bus round trip. When the
shell's bus name changes owner (it crashed or restarted) nothing is reported until the new
shell's extension speaks.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import threading
from pathlib import Path

from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable, WindowInfo
from watchers.window.wayland import SHELL, window_info

UUID = "focused-window@timeforged.dev"
OBJECT_PATH = "/org/timeforged/FocusedWindow"
INTERFACE = "org.timeforged.FocusedWindow"
SOURCES = Path(__file__).with_name("gnome_extension")
ES_MODULES_SINCE = 45


def shell_major(version_text: str) -> int:
    """43 from ``GNOME Shell 43.9``; ValueError when there is no version."""
    found = re.search(r"(\d+)(?:\.\w+)*\s*$", version_text.strip())
    if found is None:
        raise ValueError(f"no GNOME Shell version in {version_text!r}")
    return int(found.group(1))


def build(major: int) -> dict[str, str]:
    """The extension's files for GNOME Shell `major`: extension.js and metadata.json."""
    flavour = "45" if major >= ES_MODULES_SINCE else "43"
    code = "".join((SOURCES / name).read_text(encoding="utf-8")
                   for name in (f"head-{flavour}.js", "core.js", f"tail-{flavour}.js"))
    metadata = {"uuid": UUID, "name": "TimeForged focused window",
                "description": "Tells TimeForged which window has focus (on the session bus).",
                "shell-version": [str(major)], "url": "https://timeforged.dev"}
    return {"extension.js": code, "metadata.json": json.dumps(metadata, indent=2) + "\n"}


def install(major: int, home: str | None = None) -> Path:
    """Write the extension under ~/.local/share/gnome-shell/extensions; its folder."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(home or os.path.expanduser("~"),
                                                           ".local", "share")
    folder = Path(data) / "gnome-shell" / "extensions" / UUID
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in build(major).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def enable_in_settings() -> bool:
    """Add UUID to org.gnome.shell enabled-extensions (what the shell reads at login);
    False when it was already there. Raises OSError or CalledProcessError from gsettings."""
    def gsettings(*args: str) -> str:
        return subprocess.run(["gsettings", *args], capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()

    current = gsettings("get", "org.gnome.shell", "enabled-extensions").removeprefix("@as ")
    enabled = list(ast.literal_eval(current)) if current else []
    if UUID in enabled:
        return False
    gsettings("set", "org.gnome.shell", "enabled-extensions", repr([*enabled, UUID]))
    return True


class SetupError(RuntimeError):
    """The extension could not be installed or enabled; the message says why and what to do."""


def setup() -> tuple[int, Path]:
    """Install the extension for the installed GNOME Shell and enable it (active from the
    next login): the GNOME version and the extension's folder."""
    try:
        version = subprocess.run(["gnome-shell", "--version"], capture_output=True, text=True,
                                 check=True, timeout=30).stdout
        major = shell_major(version)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise SetupError(f"cannot tell which GNOME Shell this is: {exc}") from exc
    folder = install(major)
    try:
        enable_in_settings()
    except (OSError, subprocess.SubprocessError, ValueError, SyntaxError) as exc:
        raise SetupError(f"installed TimeForged's GNOME Shell extension in {folder}, but could "
                         f"not enable it ({exc}): run `gnome-extensions enable {UUID}` after "
                         "logging in again") from exc
    return major, folder


class GnomeExtensionWatcher:
    name = "window.gnome-ext"

    def __init__(self) -> None:
        try:
            from jeepney import MatchRule
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as exc:
            raise WatcherUnavailable(f"jeepney is missing ({exc})") from exc
        self._bus = SessionBus()
        self._closed = False
        self._lock = threading.Lock()
        try:
            first = self._bus.call(SHELL, OBJECT_PATH, f"{INTERFACE}.Get")
        except WatcherUnavailable:
            self._bus.close()
            raise
        self._report = first[0] if first else "{}"
        try:
            self._listen = open_dbus_connection(bus="SESSION")
            rule = MatchRule(type="signal", interface=INTERFACE, member="Changed",
                             path=OBJECT_PATH)
            self._listen.send_and_get_reply(message_bus.AddMatch(rule))
            owner = MatchRule(type="signal", sender="org.freedesktop.DBus",
                              interface="org.freedesktop.DBus", member="NameOwnerChanged",
                              path="/org/freedesktop/DBus")
            owner.add_arg_condition(0, SHELL)
            self._listen.send_and_get_reply(message_bus.AddMatch(owner))
        except Exception as exc:  # the bus went away between the two connections
            self._bus.close()
            raise WatcherUnavailable(f"cannot listen on the D-Bus session bus: {exc}") from exc
        threading.Thread(target=self._receive, name=self.name, daemon=True).start()

    def _receive(self) -> None:
        from jeepney import HeaderFields, MessageType

        while not self._closed:
            try:
                msg = self._listen.receive(timeout=1.0)
            except TimeoutError:
                continue
            except Exception:  # closed under us, or the bus went away
                return
            fields = msg.header.fields
            if msg.header.message_type != MessageType.signal or not msg.body:
                continue
            member = fields.get(HeaderFields.member)
            if (member == "Changed" and fields.get(HeaderFields.path) == OBJECT_PATH
                    and isinstance(msg.body[0], str)):
                with self._lock:
                    self._report = msg.body[0]
            elif member == "NameOwnerChanged" and msg.body[0] == SHELL:
                # the shell exited (a crash disables no extension) or a new one started: its
                # extension reports again once enabled
                with self._lock:
                    self._report = "{}"

    def active_window(self) -> WindowInfo | None:
        if self._closed:
            raise WatcherUnavailable("the GNOME extension watcher is closed")
        with self._lock:
            report = self._report
        try:
            data = json.loads(report)
        except ValueError as exc:
            raise WatcherUnavailable(f"unreadable answer from TimeForged's GNOME extension: "
                                     f"{exc}") from exc
        if not isinstance(data, dict) or not data:
            return None
        app = data.get("wm_class") or data.get("app_id") or data.get("wm_class_instance")
        return window_info(app, data.get("title"), data.get("pid"), self.name,
                           fullscreen=bool(data.get("fullscreen")),
                           wm_class=data.get("wm_class") or None)

    def close(self) -> None:
        self._closed = True
        self._bus.close()
        with contextlib.suppress(Exception):
            self._listen.close()
