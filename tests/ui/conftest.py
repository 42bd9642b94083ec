"""GUI tests: the QApplication lives on the private Xvfb, with a real tray host (trayer)."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.xsession import XSession, stop_process


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["timeforged-tests"]


@pytest.fixture(scope="session")
def tray_host(x_session: XSession) -> Iterator[subprocess.Popen]:
    """Debian's trayer as the system tray (XEmbed), started and stopped by pid."""
    if shutil.which("trayer") is None:
        pytest.skip("trayer is not installed: run scripts/setup.sh --test")
    proc = x_session.start_tray_host()
    try:
        yield proc
    finally:
        stop_process(proc)


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


@pytest.fixture(autouse=True)
def _qt_objects_die_on_the_gui_thread() -> Iterator[None]:
    """After each test: its windows' background queries finished, then a collection on this
    (the GUI) thread. Left to a collection that a later test's worker thread happens to
    trigger, PySide objects of a finished test were destroyed off the GUI thread, and the
    process crashed (a segfault inside a later test's query, twice in CI)."""
    yield
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.allWidgets():
        runner = getattr(widget, "runner", None)
        if runner is not None and hasattr(runner, "wait"):
            runner.wait()
    app.processEvents()
    gc.collect()
    app.processEvents()

