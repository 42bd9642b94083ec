"""Settings → Sync and the stats window's device choice, against a real sync server process
(SQLite) on 127.0.0.1: the connection test's answers, the key kept in the file fallback
(no keyring service here), sync started and stopped by Save, and spans synced from a second
device filtered in the statistics."""

from __future__ import annotations

import os
import socket
import stat
import tomllib
from datetime import date

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer

from desktop.engine import paths
from desktop.engine.service import Engine
from desktop.engine.store import Store
from desktop.engine.sync import Syncer, save_key
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.stats_window import ALL_DEVICES, StatsWindow
from desktop.ui.theme import Theme
from tests.server.conftest import ServerProcess, free_port, user_with_key
from tests.ui.seed import TODAY, code, seed_home

pytestmark = [pytest.mark.x11, pytest.mark.timeout(180)]


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch):
    """As on a desktop without a keyring service (the case here): the file fallback."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


@pytest.fixture
def sync_server(tmp_path):
    """A real `timeforged-server` on SQLite with a user "ann" and her key."""
    database = f"sqlite:///{tmp_path}/server.sqlite3"
    server = ServerProcess(database, tmp_path / "server.log", jobs_interval_seconds="0")
    server.start()
    key = user_with_key(database)
    try:
        yield server, key
    finally:
        server.stop()


@pytest.fixture
def engine(tmp_path):
    engine = Engine(seed_home(tmp_path / "home"))
    yield engine
    engine.sync.stop()
    engine.store.close()


@pytest.fixture
def dialog(qtbot, engine, tmp_path):
    from desktop.autostart import XdgAutostart

    dlg = SettingsDialog(engine, autostart_entry=XdgAutostart(tmp_path / "xdg"))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.tabs.setCurrentWidget(dlg.sync_page)
    return dlg


def connect_result(qtbot, page, url: str, key: str, timeout: int = 20000) -> tuple[bool, str]:
    page.url_edit.setText(url)
    page.key_edit.setText(key)
    with qtbot.waitSignal(page.tested, timeout=timeout) as result:
        page.test_button.click()
    assert page.test_result.text().endswith(result.args[1])
    return tuple(result.args)


def test_connection_answers(qtbot, dialog, sync_server):
    server, key = sync_server
    page = dialog.sync_page
    assert not page.enabled_box.isChecked()  # off unless the user turns it on
    assert page.key_edit.echoMode() == page.key_edit.EchoMode.Password
    page.show_key.setChecked(True)
    assert page.key_edit.echoMode() == page.key_edit.EchoMode.Normal

    ok, message = connect_result(qtbot, page, server.url, key)
    assert ok and message.startswith(f"Connected to {server.url}") and " as ann" in message
    assert page.test_result.text().startswith("✓")

    ok, message = connect_result(qtbot, page, server.url, "tf_wrong-key")
    assert not ok and "refused the API key (401: a valid API key is required)" in message
    assert page.test_result.text().startswith("✗")

    closed = free_port()
    ok, message = connect_result(qtbot, page, f"http://127.0.0.1:{closed}", key)
    assert not ok and "unreachable" in message and "connection refused" in message

    ok, message = connect_result(qtbot, page, server.url.replace("http:", "https:"), key)
    assert not ok and message.startswith("TLS error")

    ok, message = connect_result(qtbot, page, "timeforged.example.com", key)
    assert not ok and "http(s)://" in message


def test_connection_test_keeps_the_window_alive(qtbot, dialog):
    """A server that accepts and never answers: the test waits off the GUI thread."""
    page = dialog.sync_page
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(50)
        ok, message = connect_result(qtbot, page, f"http://127.0.0.1:{silent.getsockname()[1]}",
                             "k", timeout=30000)
        timer.stop()
    assert not ok and "timed out" in message
    assert len(ticks) > 100  # ~10 s of a 50 ms timer firing all along


def test_save_stores_key_in_file_and_starts_sync(qtbot, dialog, engine, sync_server):
    server, key = sync_server
    page = dialog.sync_page
    page.url_edit.setText(server.url + "/")
    page.key_edit.setText(key)
    page.enabled_box.setChecked(True)
    with qtbot.waitSignal(page.applied, timeout=10000):
        assert dialog.save()

    config = tomllib.loads(paths.config_file(engine.home).read_text())
    assert config["sync"]["url"] == server.url and config["sync"]["enabled"] is True
    assert key not in paths.config_file(engine.home).read_text()
    key_file = engine.home / "sync-key"
    assert key in key_file.read_text()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert dialog.key_note and str(key_file) in dialog.key_note and "keyring" in dialog.key_note
    assert engine.config.sync.enabled and engine.sync.url == server.url

    # The engine's syncer runs and uploads this device's history.
    qtbot.waitUntil(lambda: engine.sync.status.last_success is not None, timeout=30000)
    assert engine.sync.status.last_report.pushed_spans == 11
    assert engine.sync.pending() == 0

    dialog.show()
    qtbot.waitUntil(lambda: "keyring" in page.key_where.text(), timeout=10000)
    assert str(key_file) in page.key_where.text() and "not encrypted" in page.key_where.text()
    assert page.sync_button.isEnabled()
    with qtbot.waitSignal(page.synced, timeout=30000) as synced:
        page.sync_button.click()
    assert "Last sync: " in synced.args[0] and "Waiting to upload: 0 changes" in synced.args[0]

    # The saved key is used when the field is left empty.
    assert page.key_edit.text() == ""
    assert connect_result(qtbot, page, server.url, "")[0]

    page.enabled_box.setChecked(False)
    with qtbot.waitSignal(page.applied, timeout=40000):
        assert dialog.save()
    assert engine.sync._thread is None and not engine.sync.status.enabled
    assert tomllib.loads(paths.config_file(engine.home).read_text())["sync"]["enabled"] is False
    dialog.show()
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Sync is off"), timeout=10000)
    assert not page.sync_button.isEnabled()


def test_enabled_without_address_is_refused(dialog, engine):
    dialog.sync_page.enabled_box.setChecked(True)
    assert not dialog.save()
    assert "sync.url" in dialog.error_label.text()
    assert not engine.config.sync.enabled


def bars(chart) -> dict[str, float]:
    chart = getattr(chart, "chart", chart)
    widths = chart.item.opts["width"]
    return {name: round(w * chart.unit) for name, w in zip(chart.names, widths, strict=True)}


def test_stats_device_selector(qapp, qtbot, tmp_path, sync_server):
    server, key = sync_server
    home = seed_home(tmp_path / "home")  # this device: 4 h 35 min on TODAY
    paths.config_file(home).write_text(
        f'device_name = "desk"\n{paths.config_file(home).read_text()}'
        f'[sync]\nenabled = true\nurl = "{server.url}"\n')
    save_key(home, server.url, key)
    laptop = Store(tmp_path / "laptop.sqlite3")  # another device: 1 h on "remote" TODAY
    laptop.upsert_spans([code(TODAY, "15:00", "16:00", "remote", "Go", "main", "/r/main.go")])
    Syncer(laptop, server.url, key=key, device_name="laptop").sync_once()

    engine = Engine(home)
    window = StatsWindow(engine, None, Theme(qapp, "light"), today=TODAY)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.loaded, timeout=20000):
            window.show()
        assert not window.device_combo.isVisible()  # one device so far
        assert window.total_fig.value.text() == "4h 35m"

        assert engine.sync_now().last_error is None  # gets the laptop's hour
        with qtbot.waitSignal(window.loaded, timeout=20000):
            window.refresh()
        combo = window.device_combo
        assert combo.isVisible()
        items = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
        assert items == [(ALL_DEVICES, ""), ("desk (this device)", engine.store.device),
                         ("laptop", laptop.device)]
        assert window.total_fig.value.text() == "5h 35m"
        assert bars(window.bars["project"])["remote"] == 3600

        with qtbot.waitSignal(window.loaded, timeout=20000):
            window.set_device(laptop.device)
        assert window.total_fig.value.text() == "1h 00m"
        assert window.coding_fig.value.text() == "1h 00m"
        assert bars(window.bars["project"]) == {"remote": 3600}
        assert [(b.start, b.end) for b in window.timeline.bars] == [(15.0, 16.0)]
        assert sum(map(sum, window.habits.heatmap)) == 3600  # habits follow the device
        assert window.habits.heatmap[TODAY.weekday()][15] == 3600

        with qtbot.waitSignal(window.loaded, timeout=20000):
            window.set_device(engine.store.device)
        assert window.total_fig.value.text() == "4h 35m"
        assert "remote" not in bars(window.bars["project"])

        with qtbot.waitSignal(window.loaded, timeout=20000):
            window.set_range("week")
        monday = date.fromordinal(TODAY.toordinal() - TODAY.weekday())
        assert window.period.start == monday
        assert window.device_combo.currentData() == engine.store.device  # kept
        assert "remote" not in bars(window.bars["project"])
    finally:
        window.close()
        engine.sync.stop()
        engine.store.close()
        laptop.close()
