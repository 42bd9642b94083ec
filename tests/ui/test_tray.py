"""The tray on a real tray host (trayer on Xvfb) with the real engine tracking the test display:
the icon is embedded, its menu's actions work, a click on it opens the statistics."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.engine import paths
from desktop.engine.service import Engine
from desktop.ui.icons import state_icon
from desktop.ui.shell import TrayApp
from desktop.ui.theme import Theme
from desktop.ui.tray import FallbackWindow, TrayMenu
from tests.ui.seed import TZ, seed_home
from tests.ui.xtray import embedded_icons

pytestmark = pytest.mark.x11

@pytest.fixture
def tray_app(qapp, qtbot, x_session, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    home = seed_home(tmp_path / "home")
    # Focus sessions without the hosts-file layer (it needs the administrator).
    with paths.config_file(home).open("a", encoding="utf-8") as config:
        config.write("[focus]\nhosts_block = false\n")
    app = TrayApp(qapp, Engine(home), Theme(qapp, "light"))
    app.start()
    yield app
    app.shutdown()
    qtbot.waitUntil(lambda: not embedded_icons(x_session), timeout=10000)


def wait_state(qtbot, app: TrayApp, *states: str) -> None:
    qtbot.waitUntil(lambda: app.bridge.last_status.state in states, timeout=10000)


def test_icon_is_embedded_in_the_tray(qtbot, x_session, tray_app):
    assert QSystemTrayIcon.isSystemTrayAvailable()
    assert tray_app.tray is not None and tray_app.fallback is None
    qtbot.waitUntil(lambda: len(embedded_icons(x_session)) == 1, timeout=10000)
    _wid, _x, _y, w, h = embedded_icons(x_session)[0]
    assert 16 <= w <= 64 and 16 <= h <= 64
    # The engine is tracking the test display; the icon and tooltip follow its state.
    wait_state(qtbot, tray_app, "tracking", "idle")
    qtbot.waitUntil(lambda: "Today:" in tray_app.tray.icon.toolTip())
    assert tray_app.tray.state in ("tracking", "idle")
    assert tray_app.menu.today_action.text().startswith("Today: ")


def test_menu_actions(qtbot, tray_app):
    menu = tray_app.menu
    engine = tray_app.engine
    wait_state(qtbot, tray_app, "tracking", "idle")
    assert not menu.resume_action.isVisible()

    menu.pause_15.trigger()
    wait_state(qtbot, tray_app, "paused")
    assert engine.status().paused_until == pytest.approx(time.time() + 15 * 60, abs=5)
    assert tray_app.tray.state == "paused"
    assert menu.resume_action.isVisible() and not menu.pause_60.isEnabled()
    assert menu.current_action.text().startswith("Paused until ")

    menu.resume_action.trigger()
    wait_state(qtbot, tray_app, "tracking", "idle")

    menu.pause_60.trigger()
    wait_state(qtbot, tray_app, "paused")
    assert engine.status().paused_until == pytest.approx(time.time() + 3600, abs=5)
    menu.resume_action.trigger()
    wait_state(qtbot, tray_app, "tracking", "idle")

    menu.pause_tomorrow.trigger()
    wait_state(qtbot, tray_app, "paused")
    midnight = (datetime.now(TZ) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
    assert engine.status().paused_until == midnight.timestamp()
    menu.resume_action.trigger()
    wait_state(qtbot, tray_app, "tracking", "idle")

    # Focus and breaks forward to the engine, whose events drive the icon and messages.
    def sent() -> list[str]:
        return [title for title, _ in tray_app.notifier.sent]

    if tray_app.hooks.focus is None:
        menu.focus_actions[0].trigger()
        assert "Focus sessions are not available yet" in sent()
    else:
        menu.focus_actions[0].trigger()
        qtbot.waitUntil(lambda: tray_app.bridge.last_status.focus_active, timeout=10000)
        assert tray_app.tray.state == "focus"
        assert engine.focus.session.ends_at == pytest.approx(time.time() + 25 * 60, abs=5)
        assert "Focus session started" in sent()
        assert menu.stop_focus_action.isVisible()
        menu.focus_actions[1].trigger()  # a second one is refused, and says why
        assert "No focus session started" in sent()
        menu.stop_focus_action.trigger()
        qtbot.waitUntil(lambda: tray_app.stop_focus_dialog is not None
                        and tray_app.stop_focus_dialog.isVisible())
        tray_app.stop_focus_dialog.end_button.click()
        qtbot.waitUntil(lambda: not tray_app.bridge.last_status.focus_active, timeout=10000)
        assert "Focus session ended early" in sent()
    menu.break_action.trigger()
    if tray_app.hooks.breaks is None:
        assert "Break reminders are not available yet" in sent()
    else:
        qtbot.waitUntil(lambda: tray_app.bridge.last_status.break_due, timeout=10000)
        assert tray_app.tray.state == "break"
        assert tray_app.break_overlay.showing
        engine.breaks.skip()
        qtbot.waitUntil(lambda: not tray_app.break_overlay.showing, timeout=10000)

    menu.stats_action.trigger()
    qtbot.waitUntil(lambda: tray_app.stats_window is not None
                    and tray_app.stats_window.isVisible())
    menu.settings_action.trigger()
    qtbot.waitUntil(lambda: tray_app.settings_dialog is not None
                    and tray_app.settings_dialog.isVisible())

    menu.quit_action.trigger()
    assert engine.status().state == "stopped"
    assert not tray_app.tray.icon.isVisible()
    assert not tray_app.stats_window.isVisible()


def test_click_on_the_icon_opens_statistics(qtbot, x_session, tray_app):
    qtbot.waitUntil(lambda: len(embedded_icons(x_session)) == 1, timeout=10000)
    _wid, x, y, w, h = embedded_icons(x_session)[0]
    assert tray_app.stats_window is None
    x_session.xdotool("mousemove", "--sync", str(x + w // 2), str(y + h // 2))
    x_session.xdotool("click", "1")
    qtbot.waitUntil(lambda: tray_app.stats_window is not None
                    and tray_app.stats_window.isVisible(), timeout=10000)
    # It is a real window on the display, and it fills with data.
    qtbot.waitUntil(lambda: tray_app.stats_window.data is not None, timeout=20000)
    title = tray_app.stats_window.windowTitle()
    assert x_session.xdotool("search", "--name", f"^{title}$").split()


def test_live_updates_while_open(qtbot, tray_app, monkeypatch):
    from desktop.ui import stats_window

    monkeypatch.setattr(stats_window, "LIVE_REFRESH_SECONDS", 0.5)
    tray_app.show_stats()
    win = tray_app.stats_window
    with qtbot.waitSignal(win.loaded, timeout=20000):
        pass
    # Each engine status (one per poll) may refresh the window, at most every 0.5 s here.
    loads = []
    win.loaded.connect(loads.append)
    qtbot.waitUntil(lambda: len(loads) >= 2, timeout=15000)
    assert all(d.query.period.contains(win.today()) for d in loads)


def test_fallback_window_without_tray(qtbot, tmp_path):
    engine = Engine(seed_home(tmp_path / "home"))
    try:
        menu = TrayMenu(engine, tray_hooks(engine))
        window = FallbackWindow(menu, "No system tray was found on this desktop, so ...")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert "No system tray" in window.findChildren(type(window.state_label))[-1].text()
        assert window.state_label.text() == "Stopped"
        window.close()  # closing minimizes: without a tray this window is the app
        assert window.isVisible()
    finally:
        engine.store.close()


def tray_hooks(engine):
    from desktop.ui.habits import HabitHooks

    return HabitHooks(engine, lambda title, text: None)


def test_state_icons_differ():
    images = {state: state_icon(state).pixmap(22, 22).toImage()
              for state in ("tracking", "idle", "paused", "focus", "break")}
    assert len({img.pixelColor(11, 3).name() + img.pixelColor(11, 11).name()
                for img in images.values()}) >= 4
    assert QApplication.instance() is not None
