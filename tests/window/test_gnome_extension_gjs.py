"""The GNOME 45+ (ES module) build of TimeForged's extension, run by gjs in a stand-in shell
(tests/window/gnome_shell_stand_in.js) on a private session bus and read by the real
watcher. GNOME 45+ cannot run here (Debian 12 has GNOME Shell 43.9, under which
tests/wayland/test_gnome.py runs the 43-44 build for real): this runs everything of the 45+
build but the shell itself (its Extension base class, global.display, Shell.WindowTracker,
the windows are stand-ins; gjs, Gio, the bus and GNOME's Shell typelib are real)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.private_bus import private_session_bus
from watchers.session_bus import SessionBus
from watchers.window.base import WatcherUnavailable
from watchers.window.gnome_ext import GnomeExtensionWatcher, build

STAND_IN = Path(__file__).with_name("gnome_shell_stand_in.js")
SHELL_MODULE = "resource:///org/gnome/shell/extensions/extension.js"
EXTENSION_BASE = "export class Extension { constructor(metadata) { this.metadata = metadata; } }\n"


def typelib_path() -> str | None:
    """Where GNOME Shell's and Mutter's typelibs live (not on gjs's default path)."""
    found = [*glob.glob("/usr/lib/gnome-shell"), *glob.glob("/usr/lib/*/mutter-*")]
    return os.pathsep.join(found) if len(found) >= 2 else None


@pytest.fixture
def shell(tmp_path, monkeypatch) -> Iterator[SessionBus]:
    paths = typelib_path()
    if shutil.which("gjs") is None or paths is None:
        pytest.skip("gjs or GNOME Shell's typelibs are missing: run scripts/setup.sh --test")
    base = tmp_path / "extension-base.js"
    base.write_text(EXTENSION_BASE)
    code = build(45)["extension.js"]
    assert SHELL_MODULE in code
    extension = tmp_path / "extension.js"
    extension.write_text(code.replace(SHELL_MODULE, base.as_uri()))
    with private_session_bus(tmp_path, monkeypatch):
        env = {**os.environ, "GI_TYPELIB_PATH": paths, "LD_LIBRARY_PATH": paths}
        proc = subprocess.Popen(["gjs", "-m", str(STAND_IN), extension.as_uri()], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            if proc.stdout.readline().strip() != "ready":
                pytest.fail(f"the stand-in shell did not start: {proc.stderr.read()[-2000:]}")
            bus = SessionBus()
            yield bus
            bus.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def step(bus: SessionBus, what: str) -> None:
    bus.call("org.gnome.Shell", "/org/timeforged/Test", "org.timeforged.Test.Step", what)


def wait_window(watcher: GnomeExtensionWatcher, done, timeout: float = 10.0):
    """Read until `done(window)`; the last reading either way (the test asserts on it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            window = watcher.active_window()
        except WatcherUnavailable:
            window = None
        if done(window) or time.monotonic() > deadline:
            return window
        time.sleep(0.05)


def test_the_45_build_exports_and_pushes_the_focused_window(shell):
    watcher = GnomeExtensionWatcher()
    try:
        first = watcher.active_window()
        assert (first.app, first.title, first.fullscreen) == ("Gedit", "notes.txt - gedit",
                                                              False)
        step(shell, "focus:terminal")
        seen = wait_window(watcher, lambda w: w is not None and w.app == "kgx")
        assert (seen.app, seen.title) == ("kgx", "bash")
        step(shell, "title:vim notes.txt")
        assert wait_window(watcher, lambda w: w.title == "vim notes.txt").title == \
            "vim notes.txt"
        step(shell, "fullscreen")
        assert wait_window(watcher, lambda w: w.fullscreen).fullscreen
        step(shell, "disable")  # the lock screen: nothing reported
        assert wait_window(watcher, lambda w: w is None) is None
        step(shell, "enable")
        assert wait_window(watcher, lambda w: w is not None).app == "kgx"
        step(shell, "focus:none")
        assert wait_window(watcher, lambda w: w is None) is None
    finally:
        watcher.close()
