"""Screenshots of Settings, the focus dialog and the tray menu on a 1366×768 Xvfb screen, with a
stranger holding the local API's port: `python -m tests.ui.shoot_settings_focus [OUT_DIR]`
(default docs/screenshots). Whole-screen grabs, so what does not fit would show."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.ui.seed import known_spans, seed_home, todays_spans
from tests.ui.test_focus_ui import STRANGER
from tests.xsession import start_session, stop_process

WIDTH, HEIGHT = 1366, 768


def main(out: Path) -> None:
    session = start_session(WIDTH, HEIGHT)
    tray = stranger = None
    try:
        os.environ.update(DISPLAY=session.display, XDG_SESSION_TYPE="x11", QT_QPA_PLATFORM="xcb")
        os.environ.pop("WAYLAND_DISPLAY", None)
        tray = session.start_tray_host()
        stranger = subprocess.Popen([sys.executable, "-c", STRANGER], stdout=subprocess.PIPE,
                                    text=True)
        port = int(stranger.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "xdg")
            shoot(Path(tmp), port, out)
    finally:
        for proc in (stranger, tray):
            if proc is not None:
                stop_process(proc)
        session.close()


def shoot(tmp: Path, port: int, out: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from desktop.engine import paths
    from desktop.engine.service import Engine
    from desktop.ui.shell import TrayApp
    from desktop.ui.theme import Theme

    app = QApplication(["timeforged-screenshots"])
    app.setQuitOnLastWindowClosed(False)
    home = seed_home(tmp / "home", known_spans() + todays_spans())
    with paths.config_file(home).open("a", encoding="utf-8") as config:
        config.write(f"[api]\nport = {port}\n[focus]\nhosts_block = false\n"
                     "block_sites = ['news.ycombinator.com']\nblock_apps = ['steam']\n")
    tray_app = TrayApp(app, Engine(home), Theme(app, "light"))
    tray_app.start()
    out.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def grab(name: str) -> None:
        settle()
        path = out / f"{name}.png"
        assert app.primaryScreen().grabWindow(0).save(str(path))
        print(path)

    try:
        tray_app.show_settings()
        dialog = tray_app.settings_dialog
        settle(1.5)
        form = dialog.forms["tracking"]
        form.editors["poll_interval"][0].setText("5m")
        form.editors["redact_titles"][0].setPlainText("*secret*")
        dialog.save()
        grab("settings-tracking-invalid")
        form.editors["poll_interval"][0].setText("1s")
        form.editors["redact_titles"][0].setPlainText("")
        dialog.forms["focus"].editors["schedules"][0].setPlainText(
            "weekdays 09:00-12:00\nevery monday lol")
        dialog.save()
        grab("settings-focus-invalid")
        dialog.tabs.setCurrentWidget(dialog.pages["breaks"])
        grab("settings-breaks")
        dialog.tabs.setCurrentIndex(next(i for i in range(dialog.tabs.count())
                                         if dialog.tabs.tabText(i) == "&Editors"))
        grab("settings-editors-port-taken")
        dialog.close()

        tray_app.menu.custom_focus_action.trigger()
        focus = tray_app.start_focus_dialog
        focus.length.setText("1h15m")
        focus.locked.setChecked(True)
        grab("focus-start")
        focus.start_button.click()
        settle(2.5)
        tray_app.menu.popup(QPoint(WIDTH - 420, 40))
        grab("tray-menu-focus")
        tray_app.menu.hide()
        tray_app.menu.stop_focus_action.trigger()
        grab("focus-stop-locked")
    finally:
        tray_app.shutdown()


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "screenshots")
