"""Focus, breaks, the local API and the first run as the tray app shows them, on a real tray
host with the real engine: the focus dialog (length, locked mode, what is blocked), the live
countdown, the notifications, a stranger on the API's port, the quiet welcome."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from desktop.engine import paths
from desktop.engine.config import load_config
from desktop.engine.service import Engine
from desktop.engine.span import Span
from desktop.ui.focus_notices import countdown_text
from desktop.ui.focus_widgets import StartFocusDialog, StopFocusDialog
from desktop.ui.shell import TrayApp
from desktop.ui.theme import Theme
from tests.ui.seed import TZ, seed_home
from tests.ui.xtray import embedded_icons
from tests.xsession import stop_process

pytestmark = pytest.mark.x11

# Answers every request as a FastAPI app without that route does.
STRANGER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    server_version = "uvicorn"
    def do_GET(self):
        body = b'{"detail":"Not Found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_app(qapp, tmp_path, monkeypatch, config: str = "") -> TrayApp:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    home = seed_home(tmp_path / "home")
    with paths.config_file(home).open("a", encoding="utf-8") as out:
        out.write(config or f"[api]\nport = {free_port()}\n")
        out.write("[focus]\nhosts_block = false\nblock_sites = ['news.example.com']\n"
                  "block_apps = ['steam']\n")
    return TrayApp(qapp, Engine(home), Theme(qapp, "light"))


@pytest.fixture
def tray_app(qapp, qtbot, x_session, tmp_path, monkeypatch):
    app = make_app(qapp, tmp_path, monkeypatch)
    app.start()
    yield app
    app.shutdown()
    qtbot.waitUntil(lambda: not embedded_icons(x_session), timeout=10000)


def sent(app: TrayApp) -> dict[str, str]:
    return dict(app.notifier.sent)


def test_locked_focus_from_the_ui(qtbot, tray_app):
    menu, engine = tray_app.menu, tray_app.engine
    menu.custom_focus_action.trigger()
    dialog = tray_app.start_focus_dialog
    assert isinstance(dialog, StartFocusDialog) and dialog.isVisible()
    # What will be blocked is shown before starting.
    preview = dialog.blocked.text()
    assert "news.example.com" in preview and "steam" in preview
    assert "youtube.com" in preview  # the default rules rate it distracting
    assert "reddit.com" in dialog.blocked.toolTip()  # all of them
    # A length that is not one is refused, and says why.
    dialog.length.setText("forever")
    assert not dialog.start_button.isEnabled() and "not a duration" in dialog.error.text()
    dialog.length.setText("1h10m")
    assert dialog.start_button.isEnabled() and dialog.error.text() == ""
    assert not dialog.unlock_chars.isEnabled()
    dialog.locked.setChecked(True)
    dialog.unlock_chars.setValue(10)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: tray_app.bridge.last_status.focus_active, timeout=10000)
    session = engine.focus.session
    assert session.plan.locked and session.ends_at - session.started_at == 70 * 60
    assert len(session.unlock_text.replace(" ", "")) == 10
    # The countdown: tray menu and tooltip, live; the notification says when it ends.
    qtbot.waitUntil(lambda: menu.countdown_action.isVisible(), timeout=10000)
    until = datetime.fromtimestamp(session.ends_at).strftime("%H:%M")
    assert menu.countdown_action.text().startswith("Focus: ")
    assert f"left (until {until}, locked)" in menu.countdown_action.text()
    # Live: each status redraws it for its own time (the text itself changes once a minute).
    shown_at = tray_app.bridge.last_status.time
    qtbot.waitUntil(lambda: tray_app.bridge.last_status.time > shown_at, timeout=10000)
    assert menu.countdown_action.text() == countdown_text(engine.focus,
                                                          tray_app.bridge.last_status.time)
    assert "Focus: " in tray_app.tray.icon.toolTip()
    qtbot.waitUntil(lambda: "Focus session started" in sent(tray_app), timeout=10000)
    assert f"Until {until} (1h 10m)" in sent(tray_app)["Focus session started"]
    assert "unlock text" in sent(tray_app)["Focus session started"]

    # It cannot be ended without its unlock text.
    menu.stop_focus_action.trigger()
    stop = tray_app.stop_focus_dialog
    assert isinstance(stop, StopFocusDialog) and stop.challenge.text() == session.unlock_text
    stop.end_button.click()
    assert "type the unlock text exactly" in stop.error.text()
    qtbot.keyClicks(stop.entry, "not the text")
    stop.end_button.click()
    assert stop.isVisible() and engine.focus.session is session
    stop.entry.clear()
    qtbot.keyClicks(stop.entry, session.unlock_text)
    stop.end_button.click()
    qtbot.waitUntil(lambda: not tray_app.bridge.last_status.focus_active, timeout=10000)
    qtbot.waitUntil(lambda: not menu.countdown_action.isVisible(), timeout=10000)
    assert "Focus: " not in tray_app.tray.icon.toolTip()


def test_locked_without_unlock_text_cannot_end(qtbot, tray_app):
    tray_app.menu.custom_focus_action.trigger()
    dialog = tray_app.start_focus_dialog
    dialog.locked.setChecked(True)
    dialog.unlock_chars.setValue(0)
    assert dialog.unlock_chars.text() == "no early end at all"
    dialog.start_button.click()
    assert tray_app.engine.focus.session.plan.locked
    tray_app.menu.stop_focus_action.trigger()
    stop = tray_app.stop_focus_dialog
    assert not stop.end_button.isEnabled() and "cannot be ended early" in stop.explain.text()
    assert tray_app.engine.focus.session is not None


def test_the_statistics_window_starts_focus_and_counts_down(qtbot, tray_app):
    tray_app.show_stats()
    window = tray_app.stats_window
    focus = next(b for b in window.toolbar_controls() if getattr(b, "text", lambda: "")()
                 == "Focus")
    custom = next(a for a in focus.menu().actions() if a.text().startswith("Custom length"))
    custom.trigger()
    dialog = tray_app.start_focus_dialog
    dialog.length.setText("30m")
    dialog.start_button.click()
    session = tray_app.engine.focus.session
    assert session is not None and session.ends_at - session.started_at == 30 * 60
    qtbot.waitUntil(lambda: window.focus_countdown.isVisible(), timeout=10000)
    assert window.focus_countdown.text().startswith("Focus: ")
    tray_app.engine.focus.stop()
    qtbot.waitUntil(lambda: not window.focus_countdown.isVisible(), timeout=10000)


def test_postponed_break_says_when_it_returns(qtbot, tray_app):
    breaks = tray_app.engine.breaks
    breaks.take_now()
    qtbot.waitUntil(lambda: tray_app.bridge.last_status.break_due, timeout=10000)
    back = breaks.postpone()
    qtbot.waitUntil(lambda: "Break postponed" in sent(tray_app), timeout=10000)
    assert (f"around {datetime.fromtimestamp(back):%H:%M}"
            in sent(tray_app)["Break postponed"])


def test_port_held_by_another_program(qapp, qtbot, x_session, tmp_path, monkeypatch):
    stranger = subprocess.Popen([sys.executable, "-c", STRANGER], stdout=subprocess.PIPE,
                                text=True)
    try:
        port = int(stranger.stdout.readline())
        monkeypatch.setenv("WAKATIME_HOME", str(tmp_path / "wakatime"))
        app = make_app(qapp, tmp_path, monkeypatch, f"[api]\nport = {port}\n")
        app.start()
        try:
            qtbot.waitUntil(lambda: app.menu.api_action.isVisible(), timeout=10000)
            action = app.menu.api_action
            assert action.text() == f"⚠ Editors cannot report: port {port} is used by another " \
                "program…"
            assert f"Close the program holding 127.0.0.1:{port}" in action.toolTip()
            action.trigger()  # opens Settings → Editors, which says it all
            dialog = app.settings_dialog
            assert dialog.isVisible() and dialog.tabs.currentWidget() is dialog.api_page
            text = dialog.api_status.text()
            assert f"port {port} is used by another program" in text
            assert "timeforged setup-editors" in text
            # The CLI says whose port it is, in one sentence, not the stranger's 404.
            env = dict(x_session.env, TIMEFORGED_HOME=str(app.engine.home))
            cli = subprocess.run([sys.executable, "-m", "desktop.cli", "focus", "status"],
                                 env=env, capture_output=True, text=True, timeout=60)
            out = " ".join((cli.stdout + cli.stderr).split())
            assert cli.returncode != 0
            assert f"127.0.0.1:{port} is held by another program, not TimeForged" in out
            assert "Not Found" not in out and "uvicorn" in out

            # On request, the API moves to a free port and the editors' config follows.
            assert dialog.move_api_button.isVisible()
            dialog.move_api_button.click()
            api = app.engine.api_state()
            assert api.listening and not dialog.move_api_button.isVisible()
            moved = app.engine.config.api.port
            assert moved != port
            assert load_config(paths.config_file(app.engine.home)).api.port == moved
            cfg = (tmp_path / "wakatime" / ".wakatime.cfg").read_text()
            assert f"api_url = http://127.0.0.1:{moved}/api/v1" in cfg
            assert f"port {moved}" in dialog.api_moved.text()
            qtbot.waitUntil(lambda: not app.menu.api_action.isVisible(), timeout=10000)
            cli = subprocess.run([sys.executable, "-m", "desktop.cli", "focus", "status"],
                                 env=env, capture_output=True, text=True, timeout=60)
            assert cli.returncode == 0 and "No focus session is running" in cli.stdout
        finally:
            app.shutdown()
    finally:
        stop_process(stranger)
    qtbot.waitUntil(lambda: not embedded_icons(x_session), timeout=10000)


def test_api_listening_is_not_a_menu_line(qtbot, tray_app):
    api = tray_app.engine.api_state()
    assert api.listening and api.summary.startswith("Local API listening on 127.0.0.1:")
    assert not tray_app.menu.api_action.isVisible()
    tray_app.show_settings()
    assert "listening" in tray_app.settings_dialog.api_status.text()
    # And the CLI still talks to it.
    env = {"TIMEFORGED_HOME": str(tray_app.engine.home), "PATH": "/usr/bin:/bin"}
    cli = subprocess.run([sys.executable, "-m", "desktop.cli", "focus", "status", "--json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["running"] is False


def test_first_run_is_quiet_then_says_where_the_app_went(qapp, qtbot, x_session, tmp_path,
                                                         monkeypatch):
    app = make_app(qapp, tmp_path, monkeypatch,
                   f"[api]\nport = {free_port()}\n")
    # History that already reaches today's goal (1 minute of coding), as an import gives.
    now = time.time()
    midnight = datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    app.engine.store.upsert_spans([Span(max(midnight + 1, now - 600), now - 1, app="code",
                                        project="tf", language="Python", editor="vscode",
                                        file="/src/tf/a.py")])
    app.engine.config.goals.daily_coding_minutes = 1
    app.start()
    try:
        app.show_first_run()
        # The goal is found reached while the welcome waits: no notification.
        qtbot.waitUntil(lambda: app.notifier._goal_day is not None, timeout=20000)
        assert app.notifier.sent == []
        app.first_run.start_button.click()
        assert [title for title, _ in app.notifier.sent] == ["TimeForged is in the tray"]
        assert "click the icon" in app.notifier.sent[0][1]
    finally:
        app.shutdown()
    qtbot.waitUntil(lambda: not embedded_icons(x_session), timeout=10000)


def test_start_dialog_keyboard(qtbot, tray_app):
    """Presets fill the length; Escape cancels without starting."""
    tray_app.menu.custom_focus_action.trigger()
    dialog = tray_app.start_focus_dialog
    preset = next(b for b in dialog.findChildren(type(dialog.start_button)) if b.text() == "90m")
    preset.click()
    assert dialog.length.text() == "90m"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and tray_app.engine.focus.session is None
