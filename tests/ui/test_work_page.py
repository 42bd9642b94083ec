"""Settings' "Work time" tab on a real home: working hours checked as typed and saved, the
keep-active switches saved, and the running engine taking both without a restart."""

from __future__ import annotations

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
