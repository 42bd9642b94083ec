"""Screenshots of Settings' "Work time" tab (one wrong working-hours line marked where it is
typed), whole-screen on 1920×1080 and 1366×768 Xvfb screens:
`python -m tests.ui.shoot_work_page [OUT_DIR]` (default docs/screenshots)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.ui.seed import known_spans, seed_home, todays_spans
from tests.xsession import start_session


def shoot(width: int, height: int, out: Path) -> None:
    session = start_session(width, height)
    try:
        os.environ.update(DISPLAY=session.display, XDG_SESSION_TYPE="x11", QT_QPA_PLATFORM="xcb")
        os.environ.pop("WAYLAND_DISPLAY", None)
        with tempfile.TemporaryDirectory() as tmp:
            _grab(Path(tmp), out / f"settings-work-time-{width}x{height}.png")
    finally:
        session.close()


def _grab(tmp: Path, path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.autostart import XdgAutostart
    from desktop.engine.service import Engine
    from desktop.ui.settings_dialog import SettingsDialog
    from desktop.ui.theme import Theme

    app = QApplication.instance() or QApplication(["timeforged-screenshots"])
    engine = Engine(seed_home(tmp / "home", known_spans() + todays_spans()))
    dialog = SettingsDialog(engine, Theme(app, "light"), XdgAutostart(tmp / "xdg"))
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.pages["working_hours"])
    dialog.forms["working_hours"].editors["schedule"][0].setPlainText(
        "weekdays 09:00-12:30\nweekdays 13:30-17:30\nsat morning")
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert app.primaryScreen().grabWindow(0).save(str(path))
    print(path)
    dialog.close()
    engine.store.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    if len(sys.argv) > 2:  # one size per process: Qt cannot move to another X server
        shoot(*(int(n) for n in sys.argv[2].split("x")), target)
        sys.stdout.flush()
        os._exit(0)  # the grab is saved; skip Qt's teardown of a display already gone
    else:
        for size in ("1920x1080", "1366x768"):
            subprocess.run([sys.executable, "-m", "tests.ui.shoot_work_page", str(target), size],
                           check=True)
