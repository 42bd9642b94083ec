"""Notifications from the real engine: the daily goal reached, tracking resumed after idle."""

from __future__ import annotations

import pytest

from desktop.engine import paths
from desktop.engine.service import Engine
from desktop.ui import notifications
from desktop.ui.shell import TrayApp
from desktop.ui.theme import Theme
from tests.ui.seed import known_spans, seed_home, todays_spans

pytestmark = pytest.mark.x11


def titles(app: TrayApp) -> list[str]:
    return [title for title, _ in app.notifier.sent]


@pytest.fixture
def make_app(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    started: list[TrayApp] = []

    def make(config: str) -> TrayApp:
        home = seed_home(tmp_path / "home", known_spans() + todays_spans())
        paths.config_file(home).write_text(config, encoding="utf-8")
        app = TrayApp(qapp, Engine(home), Theme(qapp, "light"))
        app.start()
        started.append(app)
        return app

    yield make
    for app in started:
        app.shutdown()


def test_goal_reached(qtbot, make_app):
    # Today's seeded coding (two quarters of the last two hours) exceeds a 1-minute goal.
    app = make_app('timezone = "Europe/Paris"\n[goals]\ndaily_coding_minutes = 1\n')
    qtbot.waitUntil(lambda: "Daily goal reached" in titles(app), timeout=20000)
    text = dict(app.notifier.sent)["Daily goal reached"]
    assert "of coding today" in text and "Streak: 1 day" in text
    # Once a day only.
    count = titles(app).count("Daily goal reached")
    qtbot.wait(2500)
    assert titles(app).count("Daily goal reached") == count == 1


def test_resumed_after_idle(qtbot, x_session, make_app, monkeypatch):
    monkeypatch.setattr(notifications, "MIN_IDLE_TO_NOTIFY", 5)
    app = make_app('timezone = "Europe/Paris"\n[tracking]\nidle_timeout = 10\n')
    x_session.xdotool("mousemove", "300", "300")
    qtbot.waitUntil(lambda: app.bridge.last_status.state == "idle", timeout=30000)
    assert app.tray.state == "idle"
    x_session.xdotool("mousemove", "500", "400")
    qtbot.waitUntil(lambda: "Welcome back" in titles(app), timeout=15000)
    assert "Tracking resumed after" in dict(app.notifier.sent)["Welcome back"]
    qtbot.waitUntil(lambda: app.tray.state == "tracking", timeout=5000)


def test_repeated_errors_are_reported_once(qtbot, make_app):
    app = make_app('timezone = "Europe/Paris"\n')
    for _ in range(3):  # as the engine does when a watcher fails on every poll
        app.bridge.event.emit("error", "watchers: the X server went away")
    app.bridge.event.emit("error", "store: database is locked")
    problems = [text for title, text in app.notifier.sent if title == "TimeForged problem"]
    assert problems == ["watchers: the X server went away", "store: database is locked"]


def test_sync_key_in_a_file_is_said_after_saving(qtbot, make_app, monkeypatch):
    """Settings close on save; where the sync key went (no keyring here) comes as a
    notification instead of only on the Sync page the next time it opens."""
    from desktop.engine import sync

    monkeypatch.setattr(sync, "_keyring", lambda: None)
    app = make_app("")
    app.show_settings()
    dialog = app.settings_dialog
    dialog.sync_page.url_edit.setText("http://127.0.0.1:9")
    dialog.sync_page.key_edit.setText("tf_key")
    assert dialog.save()
    text = dict(app.notifier.sent)["Sync key stored in a file"]
    assert "not encrypted" in text and str(app.engine.home) in text


def test_achievements_backfilled_silently_then_told_once(qtbot, make_app, monkeypatch):
    import time

    from desktop.engine.span import Span
    from desktop.ui import achievement_news

    monkeypatch.setattr(achievement_news, "CHECK_SECONDS", 0.0)
    app = make_app('timezone = "Europe/Paris"\n')
    store = app.engine.store
    qtbot.waitUntil(lambda: store.meta("achievements_backfilled") == "1", timeout=20000)
    backfilled = store.achievements()
    assert "hours_10" in backfilled and "hours_100" not in backfilled
    assert not [t for t in titles(app) if "chievement" in t]  # the backfill: no word
    start = time.time() - 20 * 86400
    store.add_spans([Span(start + d * 86400, start + d * 86400 + 10 * 3600, app="code",
                          title="a.py - timeforged") for d in range(10)])
    qtbot.waitUntil(lambda: "Achievement: First 100 hours" in titles(app), timeout=20000)
    qtbot.wait(3000)  # more checks come and go
    told = [t for t in titles(app) if "chievement" in t]
    assert "Achievement: 7-day streak" in told and len(told) == len(set(told)) <= 3
    assert not [t for t in told if "First 10 hours" in t]  # backfilled: never told
    assert store.achievements()["hours_100"][1] is True
