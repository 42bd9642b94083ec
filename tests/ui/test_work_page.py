"""Settings' "Work time" tab on a real home: working hours checked as typed and saved, the
keep-active switches saved, and the running engine taking both without a restart."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QCheckBox

from desktop.engine import paths
from desktop.engine.config import load_config
from tests.ui.test_settings import dialog, editor, engine  # noqa: F401  (fixtures)

pytestmark = pytest.mark.x11


def test_working_hours_checked_where_typed_then_saved(dialog, engine):  # noqa: F811
    hours = editor(dialog, "working_hours", "schedule")
    error = dialog.forms["working_hours"].error_labels["schedule"]
    before = paths.config_file(engine.home).read_bytes()
    hours.setPlainText("weekdays 9 to 5")
    assert "not a schedule" in error.text() and not error.isHidden()
    assert not dialog.save()
    assert dialog.tabs.currentWidget() is dialog.pages["working_hours"]
    assert paths.config_file(engine.home).read_bytes() == before
    hours.setPlainText("weekdays 09:00-17:30")
    assert error.isHidden()
    track_only = editor(dialog, "working_hours", "track_only_inside")
    assert isinstance(track_only, QCheckBox)
    track_only.setChecked(True)
    editor(dialog, "keep_active", "audio").setChecked(False)
    editor(dialog, "focus", "schedules").setPlainText("working hours")
    assert dialog.save()
    saved = load_config(paths.config_file(engine.home))
    assert saved.working_hours.schedule == ["weekdays 09:00-17:30"]
    assert saved.working_hours.track_only_inside and not saved.keep_active.audio
    assert saved.focus.schedules == ["working hours"]
    assert engine.config == saved  # the engine reads both at its next poll


def test_breaks_paused_in_a_call_is_said_in_a_notification_and_the_tray(qtbot, qapp, tmp_path,
                                                                         monkeypatch):
    from desktop.engine.service import Engine
    from desktop.ui.shell import TrayApp
    from desktop.ui.theme import Theme
    from desktop.ui.tray import TrayMenu
    from tests.ui.seed import seed_home
    from tests.ui.test_tray import tray_hooks

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    engine = Engine(seed_home(tmp_path / "home"))  # noqa: F811  (not the fixture)
    app = TrayApp(qapp, engine, Theme(qapp, "light"))
    try:
        app.bridge.event.emit("breaks_paused", "you are in a call")
        app.bridge.event.emit("breaks_paused", "outside working hours")  # the tray line only
        app.bridge.event.emit("focus_held", "you are sharing your screen")
        assert app.notifier.sent == [
            ("Breaks paused", "Breaks paused: you are in a call."),
            ("Blocking paused", "Blocking paused: you are sharing your screen.")]
        menu = TrayMenu(engine, tray_hooks(engine))
        engine.breaks.update(1000.0, 0.0, hold="you are in a call")
        status = engine.status()
        menu.update_status(dataclasses.replace(status, time=1000.0))
        assert menu.hold_action.isVisible()
        assert menu.hold_action.text() == "Breaks paused: you are in a call"
        engine.breaks.update(1001.0, 0.0)
        menu.update_status(dataclasses.replace(status, time=1001.0))
        assert not menu.hold_action.isVisible()
    finally:
        app.shutdown()
