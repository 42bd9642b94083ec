"""Screenshots of the statistics window's "Add time" dialog and the timeline's span menus on a
1366×768 Xvfb screen: `python -m tests.ui.shoot_manual_time [OUT_DIR]` (default
docs/screenshots). Whole-screen grabs, so what does not fit would show."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from tests.ui.seed import TODAY, known_spans, seed_home, todays_spans
from tests.xsession import start_session

WIDTH, HEIGHT = 1366, 768


def main(out: Path) -> None:
    session = start_session(WIDTH, HEIGHT)
    try:
        os.environ.update(DISPLAY=session.display, XDG_SESSION_TYPE="x11", QT_QPA_PLATFORM="xcb")
        os.environ.pop("WAYLAND_DISPLAY", None)
        with tempfile.TemporaryDirectory() as tmp:
            shoot(Path(tmp), out)
    finally:
        session.close()


def shoot(tmp: Path, out: Path) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from desktop.engine.service import Engine
    from desktop.ui.stats_window import StatsWindow
    from desktop.ui.theme import Theme

    app = QApplication(["timeforged-screenshots"])
    engine = Engine(seed_home(tmp / "home", known_spans() + todays_spans()))
    win = StatsWindow(engine, None, Theme(app, "light"), today=TODAY)
    out.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.8) -> None:
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
        win.showMaximized()
        settle(2.5)
        tl = win.timeline
        lane = len(tl.lanes) - 1 - tl.lanes.index("coding")
        scene = tl.getPlotItem().getViewBox().mapViewToScene(QPointF(9.75, lane))
        for submenu, name in (("Move to project", "timeline-span-menu-1366x768"),
                              ("Move to category", "timeline-category-menu-1366x768")):
            tl.customContextMenuRequested.emit(tl.mapFromScene(scene))
            settle(0.3)
            menu = app.activePopupWidget()
            if menu is not None:
                move = next(a for a in menu.actions() if a.text() == submenu)
                menu.setActiveAction(move)
                move.menu().popup(menu.mapToGlobal(menu.actionGeometry(move).topRight()))
            grab(name)
            for popup in (app.activePopupWidget(), menu):
                if popup is not None:
                    popup.close()
        dialog = win.editor.add_time()
        dialog.duration.setText("1h30m")
        dialog.project.setCurrentText("client-x")
        dialog.note.setText("design review")
        grab("add-time-dialog-1366x768")
        dialog.reject()
    finally:
        win.close()
        engine.store.close()


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "screenshots")
