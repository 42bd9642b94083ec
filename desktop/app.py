"""Start the tray app: one QApplication, the engine on its worker thread, one instance only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop.engine import paths

STARTED_AT = time.perf_counter()


def _quit_on_signals(app: QApplication) -> None:
    """SIGINT/SIGTERM end the app cleanly (engine flushed) without a polling timer."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def woke() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        app.quit()

    notifier.activated.connect(woke)
    app._signal_pipe = (reader, writer, notifier)  # keep them alive with the app


def run(argv: list[str] | None = None, *, autostart: bool = False, show_stats: bool = False,
        home: Path | None = None, theme: str | None = None) -> int:
    """Run until quit. A second start only asks the first to bring its stats window forward."""
    from desktop.ui.source_lines import stop_keeping_sources

    stop_keeping_sources()
    home = home or paths.home()
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("TimeForged")
    app.setApplicationDisplayName("TimeForged")
    app.setDesktopFileName("timeforged")
    app.setQuitOnLastWindowClosed(False)

    from desktop.ui.single_instance import send, server_name, single_instance

    name = server_name(home)
    if send(name, "show-stats"):
        print("TimeForged is already running: its statistics window was brought forward.")
        return 0
    instance = single_instance(name, app)
    if not instance.listen():
        print(f"warning: single-instance socket unavailable: {instance.error}",
              file=sys.stderr)

    from desktop.engine.service import Engine
    from desktop.ui.icons import app_icon
    from desktop.ui.shell import TrayApp
    from desktop.ui.theme import Theme

    app.setWindowIcon(app_icon())
    ui_theme = Theme(app, theme or os.environ.get("TIMEFORGED_THEME") or None)
    engine = Engine(home)
    tray_app = TrayApp(app, engine, ui_theme)
    instance.message.connect(tray_app.handle_message)
    app.aboutToQuit.connect(tray_app.shutdown)
    _quit_on_signals(app)
    tray_app.start()
    if not autostart and not tray_app.ui_state.first_run_done:
        tray_app.show_first_run()
    elif show_stats:
        tray_app.show_stats()
    for warning in engine.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        return app.exec()
    finally:
        tray_app.shutdown()
        instance.close()
