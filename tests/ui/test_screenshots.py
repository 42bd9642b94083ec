"""Screenshots for people to look at (screenshots/, gitignored): the statistics by day, week
and month, light and dark, settings, the first-run window and the tray menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop.autostart import XdgAutostart
from desktop.engine.service import Engine
from desktop.ui.first_run import FirstRunWindow
from desktop.ui.habits import HabitHooks
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme
from desktop.ui.tray import TrayMenu
from tests.ui.seed import TODAY, known_spans, seed_home, todays_spans

pytestmark = pytest.mark.x11

OUT = Path(__file__).resolve().parents[2] / "screenshots"


def save(widget, name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 200 and image.height() >= 100
    return path


@pytest.fixture
def engine(tmp_path):
    engine = Engine(seed_home(tmp_path / "home", known_spans() + todays_spans()))
    yield engine
    engine.store.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_stats_screenshots(qapp, qtbot, engine, scheme):
    theme = Theme(qapp, scheme)
    try:
        win = StatsWindow(engine, None, theme, today=TODAY)
        qtbot.addWidget(win)
        win.resize(1280, 1000)
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.show()
        qtbot.waitExposed(win)
        suffix = "" if scheme == "light" else "-dark"
        save(win, f"stats-day{suffix}")
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.drill_into("timeforged")
        save(win.body, f"stats-day-full{suffix}")
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.drill_into(None)
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.set_range("week")
        save(win, f"stats-week{suffix}")
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.set_range("month")
        save(win, f"stats-month{suffix}")
        # The chart backgrounds follow the theme.
        dark = QImage(str(OUT / f"stats-week{suffix}.png")).pixelColor(5, 500).lightness() < 100
        assert dark == (scheme == "dark")
    finally:
        Theme(qapp, "light")


def test_settings_first_run_and_menu_screenshots(qapp, qtbot, engine, tmp_path):
    Theme(qapp, "light")
    dialog = SettingsDialog(engine, autostart_entry=XdgAutostart(tmp_path / "xdg"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.rules_editor.table.rowCount() > 0, timeout=10000)
    save(dialog, "settings-tracking")
    for index in range(dialog.tabs.count()):
        name = dialog.tabs.tabText(index).replace("&", "").lower().replace(" ", "-")
        if name in ("rules", "data", "start-at-login"):
            dialog.tabs.setCurrentIndex(index)
            qapp.processEvents()
            save(dialog, f"settings-{name}")

    first = FirstRunWindow(tmp_path, XdgAutostart(tmp_path / "xdg"), platform="linux")
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    save(first, "first-run")

    menu = TrayMenu(engine, HabitHooks(engine, lambda *_: None))
    save(menu, "tray-menu")
