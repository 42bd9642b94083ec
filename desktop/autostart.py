"""Start at login, the native way on each OS (no Qt here).

- Linux and other XDG desktops: a ``.desktop`` file in ``$XDG_CONFIG_HOME/autostart``.
- Windows: a value under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.
- macOS: a LaunchAgent plist in ``~/Library/LaunchAgents`` (loaded by launchd at login).
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

APP_ID = "timeforged"
LAUNCH_AGENT_LABEL = "dev.timeforged.app"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "TimeForged"


def launch_command() -> list[str]:
    """How to start the tray app: the installed `timeforged` script, else this interpreter."""
    script = shutil.which("timeforged")
    if script:
        return [str(Path(script).resolve()), "app", "--autostart"]
    return [sys.executable, "-m", "desktop.cli", "app", "--autostart"]


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str] | None = None) -> None: ...

    def disable(self) -> None: ...

    def describe(self) -> str:
        """Where the entry lives, for the settings page."""
        ...


# -- Linux / XDG ------------------------------------------------------------------


def _desktop_quote(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry spec asks."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    escaped = escaped.replace("$", "\\$").replace("%", "%%")
    return f'"{escaped}"'


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/timeforged.desktop` (freedesktop Autostart spec)."""

    def __init__(self, config_home: Path | None = None) -> None:
        base = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.path = base / "autostart" / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        if not self.path.is_file():
            return False
        entries = _desktop_entries(self.path.read_text(encoding="utf-8"))
        return (entries.get("Hidden", "false").lower() != "true"
                and entries.get("X-GNOME-Autostart-enabled", "true").lower() != "false")

    def enable(self, command: Sequence[str] | None = None) -> None:
        exec_line = " ".join(_desktop_quote(a) for a in (command or launch_command()))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=TimeForged\n"
            "Comment=Local-first time tracker for developers\n"
            f"Exec={exec_line}\n"
            "Icon=timeforged\n"
            "Terminal=false\n"
            "Categories=Utility;Development;\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def command(self) -> str | None:
        if not self.path.is_file():
            return None
        return _desktop_entries(self.path.read_text(encoding="utf-8")).get("Exec")

    def describe(self) -> str:
        return str(self.path)


def _desktop_entries(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    in_main = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_main = line == "[Desktop Entry]"
        elif in_main and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entries[key.strip()] = value.strip()
    return entries


# -- Windows ------------------------------------------------------------------------


class RunKey(Protocol):
    """The HKCU Run key, as named string values."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinRegRunKey:
    """The real Run key through winreg (Windows only)."""

    def __init__(self) -> None:
        import winreg

        self._winreg = winreg

    def _open(self, access: int):
        return self._winreg.OpenKey(self._winreg.HKEY_CURRENT_USER, RUN_KEY, 0, access)

    def get(self, name: str) -> str | None:
        try:
            with self._open(self._winreg.KEY_READ) as key:
                value, _kind = self._winreg.QueryValueEx(key, name)
                return str(value)
        except FileNotFoundError:
            return None

    def set(self, name: str, value: str) -> None:
        with self._winreg.CreateKeyEx(self._winreg.HKEY_CURRENT_USER, RUN_KEY, 0,
                                      self._winreg.KEY_SET_VALUE) as key:
            self._winreg.SetValueEx(key, name, 0, self._winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        try:
            with self._open(self._winreg.KEY_SET_VALUE) as key:
                self._winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


class WindowsAutostart:
    def __init__(self, run_key: RunKey | None = None) -> None:
        self.run_key = run_key or WinRegRunKey()

    def is_enabled(self) -> bool:
        return bool(self.run_key.get(RUN_VALUE))

    def enable(self, command: Sequence[str] | None = None) -> None:
        args = list(command or launch_command())
        if args and args[0].lower().endswith("python.exe"):
            # pythonw.exe starts without a console window.
            args[0] = args[0][: -len("python.exe")] + "pythonw.exe"
        self.run_key.set(RUN_VALUE, subprocess.list2cmdline(args))

    def disable(self) -> None:
        self.run_key.delete(RUN_VALUE)

    def describe(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"


# -- macOS ---------------------------------------------------------------------------


class LaunchAgentAutostart:
    """`~/Library/LaunchAgents/dev.timeforged.app.plist`, run by launchd at login."""

    def __init__(self, agents_dir: Path | None = None) -> None:
        base = agents_dir or Path.home() / "Library" / "LaunchAgents"
        self.path = base / f"{LAUNCH_AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        if not self.path.is_file():
            return False
        with self.path.open("rb") as fh:
            data = plistlib.load(fh)
        return bool(data.get("RunAtLoad")) and not data.get("Disabled", False)

    def enable(self, command: Sequence[str] | None = None) -> None:
        plist = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(command or launch_command()),
            "RunAtLoad": True,
            "KeepAlive": False,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            plistlib.dump(plist, fh)
        tmp.replace(self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def describe(self) -> str:
        return str(self.path)


def for_platform(platform: str | None = None) -> Autostart:
    """The start-at-login mechanism of this OS."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return WindowsAutostart()
    if platform == "darwin":
        return LaunchAgentAutostart()
    return XdgAutostart()
