"""GUI tests: the QApplication lives on the private Xvfb, with a real tray host (trayer)."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.xsession import XSession


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["timeforged-tests"]


@pytest.fixture(scope="session")
def tray_host(x_session: XSession) -> Iterator[subprocess.Popen]:
    """Debian's trayer as the system tray (XEmbed), started and stopped by pid."""
    trayer = shutil.which("trayer")
    if trayer is None:
        pytest.skip("trayer is not installed: run scripts/setup.sh --test")
    proc = subprocess.Popen(
        [trayer, "--edge", "top", "--align", "right", "--widthtype", "request",
         "--height", "24", "--SetDockType", "true", "--transparent", "false"],
        env=x_session.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--class", "trayer"],
                               env=x_session.env, capture_output=True, text=True).stdout
        if found.strip():
            break
        time.sleep(0.05)
    else:
        proc.terminate()
        raise RuntimeError("trayer did not start")
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def qapp(x_session: XSession, tray_host, qapp_args):
    """pytest-qt's qapp, created only once DISPLAY points at the test X server and a tray
    host runs there."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(qapp_args)
    app.setQuitOnLastWindowClosed(False)
    yield app
    # Tear the widgets down while Qt and the X server are still there: left to interpreter
    # shutdown, PySide's garbage collection can crash the process.
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    app.processEvents()
    gc.collect()
    app.processEvents()
