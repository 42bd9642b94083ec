"""Settings on a real home: config saved and validated, the rules editor's live preview and
errors, start at login for real (XDG), export/import/delete off the GUI thread; first run."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSpinBox

from desktop.autostart import XdgAutostart
from desktop.engine import paths
from desktop.engine.config import load_config
from desktop.engine.service import Engine
from desktop.ui.first_run import FirstRunWindow
from desktop.ui.forms import DurationEdit
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.state import UiState
from tests.ui.seed import TZ, known_spans, seed_home, todays_spans

pytestmark = pytest.mark.x11


@pytest.fixture
def engine(tmp_path):
    engine = Engine(seed_home(tmp_path / "home", known_spans() + todays_spans()))
    yield engine
    engine.store.close()


@pytest.fixture
def dialog(qtbot, engine, tmp_path):
    dlg = SettingsDialog(engine, autostart_entry=XdgAutostart(tmp_path / "xdg"))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.rules_editor.table.rowCount() > 0, timeout=10000)
    return dlg


def editor(dlg, section, name):
    return dlg.forms[section].editors[name][0]


def test_tracking_and_goals_saved(dialog, engine):
    poll = editor(dialog, "tracking", "poll_interval")
    assert isinstance(poll, DurationEdit) and poll.text() == "1s"
    poll.setText("2.5s")
    idle = editor(dialog, "tracking", "idle_timeout")
    assert idle.text() == "3m"  # 180 seconds, not "180.0"
    idle.setText("4m30s")
    excluded = editor(dialog, "tracking", "excluded_apps")
    assert isinstance(excluded, QPlainTextEdit)
    excluded.setPlainText("keepassxc\n^1password$\n")
    goal = editor(dialog, "goals", "daily_coding_minutes")
    assert isinstance(goal, QSpinBox) and goal.value() == 120
    goal.setValue(90)
    micro = editor(dialog, "breaks", "micro_interval_minutes")
    assert micro.text() == "20m"
    micro.setText("25")  # a bare number counts in the setting's unit, minutes
    editor(dialog, "breaks", "daily_limit_minutes").setText("7h30m")
    editor(dialog, "focus", "schedules").setPlainText("weekdays 09:00-12:00\nsat 10:00-11:00")
    editor(dialog, "focus", "block_sites").setPlainText("https://www.reddit.com/r/x\n")
    editor(dialog, "focus", "default_minutes").setText("1h30m")
    assert dialog.save()
    assert engine.breaks.settings.micro_interval == 25 * 60  # applied at once
    saved = load_config(paths.config_file(engine.home))
    assert saved.tracking.poll_interval == 2.5 and saved.tracking.idle_timeout == 270
    assert saved.tracking.excluded_apps == ["keepassxc", "^1password$"]
    assert saved.goals.daily_coding_minutes == 90
    assert saved.breaks.daily_limit_minutes == 450
    assert saved.focus.schedules == ["weekdays 09:00-12:00", "sat 10:00-11:00"]
    assert saved.focus.block_sites == ["https://www.reddit.com/r/x"]
    assert saved.focus.default_minutes == 90
    assert saved.timezone == "Europe/Paris"  # untouched settings survive
    assert engine.config.goals.daily_coding_minutes == 90


def test_list_boxes_say_their_format(dialog):
    for section, name, example in (("tracking", "excluded_apps", "^keepassxc$"),
                                   ("tracking", "redact_titles", "(?i)private"),
                                   ("focus", "block_sites", "reddit.com"),
                                   ("focus", "block_apps", "steam"),
                                   ("focus", "schedules", "weekdays 09:00-12:00")):
        box = editor(dialog, section, name)
        assert box.placeholderText().startswith("One per line") and example in \
            box.placeholderText()
        texts = [label.text() for label in box.parent().findChildren(QLabel)]
        assert any(t.startswith("One per line") and example in t for t in texts)


# (tab, field, what is typed, a piece of the message shown at the field)
INVALID = [
    ("focus", "schedules", "weekdays 09:00-12:00\nevery monday lol",
     "not a schedule: 'every monday lol' (try 'weekdays 09:00-12:00')"),
    ("focus", "schedules", "mon 25:00-26:00", "bad time in schedule"),
    ("focus", "schedules", "someday 09:00-10:00", "unknown day 'someday'"),
    ("focus", "block_sites", "reddit com", "not a valid domain name: 'reddit com'"),
    ("tracking", "excluded_apps", "([unclosed", "bad regular expression '([unclosed'"),
    ("tracking", "redact_titles", "*secret*", "bad regular expression '*secret*'"),
    ("tracking", "poll_interval", "fast", "not a duration: 'fast' (try 25m, 1h30m, 45s)"),
    ("tracking", "poll_interval", "5m", "must be from 0.2s to 1m, not 5m. Example: 1s"),
    ("breaks", "micro_interval_minutes", "20.0.0", "not a duration"),
    ("breaks", "micro_interval_minutes", "30s", "must be from 1m to 4h, not 30s"),
    ("breaks", "daily_limit_minutes", "5m", "must be from 10m to 24h"),
    ("focus", "default_minutes", "lots", "not a duration"),
    ("goals", "category", "   ", "must be a non-empty string"),
]


@pytest.mark.parametrize("section,name,typed,message", INVALID,
                         ids=[f"{s}.{n}={t!r}" for s, n, t, _m in INVALID])
def test_invalid_value_refused_at_its_field(dialog, engine, section, name, typed, message):
    config = paths.config_file(engine.home)
    before = config.read_bytes()
    box = editor(dialog, section, name)
    dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)  # elsewhere: Save must bring it back
    (box.setPlainText if isinstance(box, QPlainTextEdit) else box.setText)(typed)
    error = dialog.forms[section].error_labels[name]
    assert message in error.text()  # shown as it is typed, before any Save
    assert not dialog.save()
    assert dialog.isVisible() and dialog.tabs.currentWidget() is dialog.pages[section]
    assert error.isVisible() and message in error.text()
    assert "Not saved" in dialog.error_label.text() and dialog.error_label.isVisible()
    assert config.read_bytes() == before  # nothing written
    assert load_config(config) == engine.config
    # Put right, it saves.
    (box.setPlainText if isinstance(box, QPlainTextEdit) else box.setText)(
        "" if isinstance(box, QPlainTextEdit) else dialog.forms[section].examples.get(
            name, "coding"))
    assert not error.isVisible()
    assert dialog.save()


def test_invalid_setting_names_the_key_and_keeps_the_file(dialog, engine):
    """What only the engine's round trip catches (sync's url) still keeps the file."""
    before = paths.config_file(engine.home).read_text()
    dialog.sync_page.url_edit.setText("ftp://example.com")
    assert not dialog.save()
    assert "sync.url" in dialog.error_label.text()
    assert paths.config_file(engine.home).read_text() == before


def test_rules_editor_preview_and_errors(qtbot, dialog, engine):
    rules = dialog.rules_editor
    rows = {rules.table.item(r, 1).text(): rules.table.item(r, 3).text()
            for r in range(rules.table.rowCount())}
    youtube = next(k for k in rows if "youtube" in k)
    assert rows[youtube] == "entertainment"

    with qtbot.waitSignal(rules.preview_updated, timeout=5000):
        rules.editor.setPlainText("[[rules]]\nmatch.title = 'text:lo-fi'\n"
                                  "category = \"learning\"\n")
    rows = {rules.table.item(r, 1).text(): (rules.table.item(r, 3).text(),
                                            rules.table.item(r, 4).text())
            for r in range(rules.table.rowCount())}
    assert rows[youtube] == ("learning", "+1")
    assert rules.save_button.isEnabled()

    rules.editor.setPlainText("[[rules]]\nmatch.app = '('\ncategory = \"coding\"\n")
    qtbot.waitUntil(lambda: "line" in rules.status.text(), timeout=5000)
    assert "line 2" in rules.status.text()
    assert not rules.save_button.isEnabled()
    assert not rules.save()
    assert not paths.rules_file(engine.home).exists()

    rules.editor.setPlainText("[[rules]]\nmatch.site = 'youtube'\ncategory = \"learning\"\n")
    assert rules.save()
    assert "learning" in paths.rules_file(engine.home).read_text()
    # Reports re-classify history with the saved rules at once.
    day = datetime(2026, 11, 18, tzinfo=TZ)
    summary = engine.analytics.summary(day, day.replace(day=19), by="category")
    assert dict((i.name, i.seconds) for i in summary.items)["learning"] == 1200


def test_start_at_login_switch(dialog, tmp_path):
    entry = tmp_path / "xdg" / "autostart" / "timeforged.desktop"
    assert not dialog.autostart_box.isChecked()
    dialog.autostart_box.setChecked(True)
    assert entry.is_file() and "Exec=" in entry.read_text()
    dialog.autostart_box.setChecked(False)
    assert not entry.exists()


def test_export_import_delete(qtbot, dialog, engine, tmp_path):
    out = tmp_path / "export.json"
    with qtbot.waitSignal(dialog.task_finished, timeout=20000) as done:
        dialog.export_to(out, "json")
    assert done.args[0].startswith("Exported 15 spans")
    assert len(json.loads(out.read_text())["spans"]) == 15

    with qtbot.waitSignal(dialog.task_finished, timeout=20000) as done:
        dialog.import_from(out)
    assert "Imported 0 new spans" in done.args[0] and "15 were already there" in done.args[0]

    day = datetime(2026, 11, 18, tzinfo=TZ)
    with qtbot.waitSignal(dialog.task_finished, timeout=20000) as done:
        dialog.delete_range(datetime(2026, 11, 18, 9, 0), datetime(2026, 11, 18, 12, 0))
    assert done.args[0].startswith("Deleted ")
    left = engine.analytics.summary(day, day.replace(day=19), by="project")
    assert dict((i.name, i.seconds) for i in left.items) == {"webshop": 3600,
                                                              "unknown": 1800 + 300}

    # A broken file is reported, and nothing changes.
    bad = tmp_path / "broken.json"
    bad.write_text('{"spans": [')
    with qtbot.waitSignal(dialog.task_finished, timeout=20000) as done:
        dialog.import_from(bad)
    assert done.args[0].startswith("Failed: ") and "broken.json" in done.args[0]


@pytest.mark.parametrize("consent", [True, False])
def test_first_run(qtbot, tmp_path, consent):
    home = tmp_path / "home"
    home.mkdir()
    entry = XdgAutostart(tmp_path / "xdg")
    window = FirstRunWindow(home, entry, platform="linux")
    qtbot.addWidget(window)
    window.show()
    assert window.autostart_box.isChecked()  # proposed, and asked
    window.autostart_box.setChecked(consent)
    window.start_button.click()
    assert window.result() == window.DialogCode.Accepted
    assert entry.is_enabled() is consent
    state = UiState.load(home)
    assert state.first_run_done


def test_first_run_explains_permissions(qtbot, tmp_path):
    from PySide6.QtWidgets import QLabel

    for platform, expected in (("darwin", "Screen Recording"), ("win32", "UI Automation"),
                               ("linux", "Nothing to allow")):
        window = FirstRunWindow(tmp_path, XdgAutostart(tmp_path / "xdg"), platform=platform)
        qtbot.addWidget(window)
        text = " ".join(label.text() for label in window.findChildren(QLabel))
        assert expected in text
        assert "never" in text.lower() and "what you type" in text


def test_first_run_on_gnome_wayland_installs_the_extension(qtbot, tmp_path, monkeypatch):
    if shutil.which("gnome-shell") is None or shutil.which("gsettings") is None:
        pytest.skip("gnome-shell is not installed: run scripts/setup.sh --test")
    for key, value in (("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "GNOME"),
                       ("XDG_DATA_HOME", str(tmp_path / "data")), ("GSETTINGS_BACKEND", "memory")):
        monkeypatch.setenv(key, value)
    window = FirstRunWindow(tmp_path, XdgAutostart(tmp_path / "xdg"), platform="linux")
    qtbot.addWidget(window)
    assert window.gnome_box is not None and window.gnome_box.isChecked()
    window.autostart_box.setChecked(False)
    window.start_button.click()
    folder = tmp_path / "data" / "gnome-shell" / "extensions" / "focused-window@timeforged.dev"
    assert "FocusedWindowService" in (folder / "extension.js").read_text()
    assert json.loads((folder / "metadata.json").read_text())["uuid"] == folder.name
