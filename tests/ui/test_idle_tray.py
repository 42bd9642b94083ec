"""The idle tray app loads what an idle tray needs: no charts (pyqtgraph, numpy), no windows
not opened, no QtNetwork, no module sources kept by PySide6 (issue 21: the tray app's memory)."""

from __future__ import annotations

import linecache
import re
import signal
import subprocess
import sys
import time

import pytest

from desktop.engine.store import Store
from desktop.ui.source_lines import stop_keeping_sources
from tests.ui.xtray import embedded_icons

pytestmark = pytest.mark.x11
NOT_AT_IDLE = ("numpy", "pyqtgraph", "peewee", "desktop.ui.stats_window",
               "desktop.ui.settings_dialog", "desktop.ui.insights_page",
               "desktop.ui.commits_view", "desktop.engine.insights",
               "urllib.request", "urllib.error",  # loaded by sync and forwarding when they run
               # OpenSSL (libcrypto): desktop/engine/digests.py, the API's own HTTP layer
               "hashlib", "_hashlib", "hmac", "secrets", "ssl", "_ssl", "http.server",
               "http.client", "email",
               "PySide6.QtNetwork")  # the single-instance socket is the stdlib's on Unix


def imported(log: str) -> set[str]:
    return set(re.findall(r"^import time:.*\|\s*([\w.]+)\s*$", log, re.M))


def wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_idle_tray_app_loads_no_chart_nor_window(x_session, tray_host, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[breaks]\nenabled = false\n")
    Store(home / "timeforged.sqlite3").close()  # used before: no schema to make
    log = tmp_path / "app.log"
    env = dict(x_session.env, TIMEFORGED_HOME=str(home), QT_QPA_PLATFORM="xcb",
               XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    with log.open("w") as out:
        app = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "desktop.cli", "app",
                                "--autostart"], env=env, stdout=out, stderr=out)
    try:
        wait_for(lambda: embedded_icons(x_session), "the tray icon")
        # The engine's first poll has run: the window watcher is loaded.
        wait_for(lambda: "watchers.window.x11" in imported(log.read_text()), "the first poll")
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    loaded = imported(log.read_text())
    assert "desktop.ui.tray" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in NOT_AT_IDLE or m in NOT_AT_IDLE) == []


def test_pyside_leaves_no_module_source_in_linecache(qapp, tmp_path, monkeypatch):
    stop_keeping_sources()
    source = tmp_path / "tf_fresh_module.py"
    source.write_text("import PySide6\nVALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("tf_fresh_module")  # an import statement's way, which PySide6 hooks
    assert str(source) not in linecache.cache
