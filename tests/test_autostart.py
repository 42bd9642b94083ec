"""Start at login: real XDG autostart files; Windows and macOS logic on temporary stores."""

from __future__ import annotations

import argparse
import os
import plistlib
import shlex
import subprocess

from desktop import autostart
from desktop.autostart import LaunchAgentAutostart, WindowsAutostart, XdgAutostart
from desktop.cli import app as cli_app


def test_xdg_autostart_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    entry = autostart.for_platform("linux")
    assert isinstance(entry, XdgAutostart)
    assert entry.path == tmp_path / "autostart" / "timeforged.desktop"
    assert not entry.is_enabled()

    entry.enable()
    assert entry.is_enabled()
    text = entry.path.read_text()
    assert text.startswith("[Desktop Entry]\n")
    assert "Type=Application" in text
    # The Exec line starts something that exists, with arguments `timeforged app` accepts.
    args = shlex.split(entry.command())
    assert args[-2:] == ["app", "--autostart"]
    assert os.access(args[0], os.X_OK)
    done = subprocess.run([args[0], "-c" if "python" in args[0] else "--help", "pass"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0
    parser = argparse.ArgumentParser()
    cli_app.register(parser.add_subparsers())
    assert parser.parse_args(["app", "--autostart"]).autostart is True

    entry.disable()
    assert not entry.is_enabled()
    assert not entry.path.exists()
    entry.disable()  # twice is fine


def test_xdg_exec_quoting_and_hidden(tmp_path):
    entry = XdgAutostart(tmp_path)
    entry.enable(["/opt/Time Forged/bin/timeforged", "app", "50%"])
    assert entry.command() == '"/opt/Time Forged/bin/timeforged" app "50%%"'
    # A desktop that hid the entry (GNOME Tweaks does this) means disabled.
    entry.path.write_text(entry.path.read_text() + "Hidden=true\n")
    assert not entry.is_enabled()


class RecordedRunKey:
    """HKCU\\...\\Run as a dict, with the value types winreg would return."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {"OneDrive": '"C:\\Program Files\\OneDrive.exe" /background'}

    def get(self, name):
        return self.values.get(name)

    def set(self, name, value):
        assert isinstance(value, str)
        self.values[name] = value

    def delete(self, name):
        self.values.pop(name, None)


def test_windows_run_key():
    key = RecordedRunKey()
    entry = WindowsAutostart(key)
    assert not entry.is_enabled()
    entry.enable([r"C:\Users\Ann Lee\AppData\Local\Programs\Python\Python311\python.exe",
                  "-m", "desktop.cli", "app", "--autostart"])
    assert key.values["TimeForged"] == (
        r'"C:\Users\Ann Lee\AppData\Local\Programs\Python\Python311\pythonw.exe"'
        " -m desktop.cli app --autostart")
    assert entry.is_enabled()
    entry.disable()
    assert "TimeForged" not in key.values
    assert "OneDrive" in key.values  # other programs' entries untouched
    assert "CurrentVersion\\Run" in entry.describe()


def test_macos_launch_agent(tmp_path):
    entry = LaunchAgentAutostart(tmp_path / "LaunchAgents")
    assert not entry.is_enabled()
    entry.enable(["/Applications/TimeForged.app/Contents/MacOS/timeforged", "app"])
    with entry.path.open("rb") as fh:
        plist = plistlib.load(fh)
    assert plist["Label"] == "dev.timeforged.app"
    assert plist["ProgramArguments"] == [
        "/Applications/TimeForged.app/Contents/MacOS/timeforged", "app"]
    assert plist["RunAtLoad"] is True
    assert entry.is_enabled()
    entry.disable()
    assert not entry.is_enabled()


def test_platform_choice():
    assert isinstance(autostart.for_platform("darwin"), LaunchAgentAutostart)
    assert isinstance(autostart.for_platform("linux"), XdgAutostart)
