"""`timeforged app` as a real process on the test display: first run, the tray icon, one
instance only (a second start brings the statistics forward), a clean exit on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from desktop.engine import paths
from desktop.engine.store import Store
from desktop.ui.state import UiState
from tests.ui.seed import seed_home
from tests.ui.xtray import embedded_icons

pytestmark = pytest.mark.x11


def wait_for(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def windows_named(x_session, title: str) -> list[str]:
    try:
        return x_session.xdotool("search", "--onlyvisible", "--name", f"^{title}$").split()
    except subprocess.CalledProcessError:
        return []


def test_app_process(x_session, tray_host, tmp_path):
    home = seed_home(tmp_path / "home")
    env = dict(x_session.env, TIMEFORGED_HOME=str(home), QT_QPA_PLATFORM="xcb",
               XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    command = [sys.executable, "-m", "desktop.cli", "app"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: embedded_icons(x_session), what="the tray icon")
        # First run: the welcome window explains what is tracked, and asks.
        wait_for(lambda: windows_named(x_session, "Welcome to TimeForged"),
                 what="the first-run window")
        assert not UiState.load(home).first_run_done

        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        wait_for(lambda: windows_named(x_session, "TimeForged statistics"),
                 what="the statistics window of the first instance")
        assert first.poll() is None

        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    wait_for(lambda: not embedded_icons(x_session), what="the icon to go")
    # The engine was stopped cleanly: the database is intact.
    store = Store(paths.database_file(home))
    try:
        assert store.integrity_check() == []
    finally:
        store.close()

    # Started at login: no first-run window, straight to the tray.
    again = subprocess.Popen([*command, "--autostart"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: embedded_icons(x_session), what="the tray icon")
        time.sleep(1)
        assert not windows_named(x_session, "Welcome to TimeForged")
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=20) == 0
    wait_for(lambda: not embedded_icons(x_session), what="the icon to go")
