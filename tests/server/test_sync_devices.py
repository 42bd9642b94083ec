"""What Settings and the stats window ask of sync, through a real server process: device
names from the server, the upload queue's length, reports of one device, the engine's
switch, and sync settings checked when the config is read."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.engine import sync
from desktop.engine.analytics import Analytics
from desktop.engine.api.shapes import system_os
from desktop.engine.config import ConfigError, load_config
from desktop.engine.rules import Rules
from desktop.engine.service import Engine
from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Syncer, SyncError, device_names
from server.db import Database
from tests.server.conftest import user_with_key

TZ = ZoneInfo("Europe/Paris")


def _coding(day: datetime, hour: int, minutes: int, project: str) -> Span:
    start = day.replace(hour=hour).timestamp()
    return Span(start, start + minutes * 60, app="code", project=project, language="Python",
                file=f"/src/{project}/x.py", editor="vscode")


@pytest.mark.timeout(120)
def test_devices_queue_and_one_device_reports(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    desk, laptop = Store(tmp_path / "desk.sqlite3"), Store(tmp_path / "laptop.sqlite3")
    today = datetime.now(TZ).replace(minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=i) for i in range(3)]
    desk.upsert_spans([_coding(d, 9, 120, "alpha") for d in days])  # 2 h a day, 3 days
    laptop.upsert_spans([_coding(days[0], 14, 30, "beta")])
    sync_desk = Syncer(desk, server.url, key=key, device_name="desk")
    sync_laptop = Syncer(laptop, server.url, key=key, device_name="laptop")

    assert device_names(desk, "desk") == {desk.device: "desk"}
    assert sync_desk.pending() == 3
    sync_laptop.sync_once()
    sync_desk.sync_once()
    assert sync_desk.pending() == 0
    # The server named the laptop; this device keeps its own name; unknown ones a short id.
    assert device_names(desk, "desk") == {desk.device: "desk", laptop.device: "laptop"}
    message = sync.test_connection(server.url, key)
    assert "as ann" in message and "devices: desk, laptop" in message
    db = Database(server.database_url)  # each desktop told its operating system
    assert db.execute("SELECT DISTINCT os FROM device").fetchall() == [(system_os(),)]
    db.close()

    desk.upsert_spans([_coding(today - timedelta(days=5), 9, 10, "alpha")])
    desk.delete_range(days[1].replace(hour=9).timestamp(), days[1].replace(hour=10).timestamp())
    assert sync_desk.pending() == 3  # a new span, the one cut short and the deletion
    sync_desk.sync_once()
    assert sync_desk.pending() == 0

    # Reports of one device: totals, heatmap, pulse and streaks.
    rules = Rules.load(None)
    analytics = Analytics(desk, rules, TZ)
    start, end = days[-1].replace(hour=0), days[0].replace(hour=0) + timedelta(days=1)
    one = {"device": laptop.device}
    assert analytics.summary(start, end, "project", one).total_seconds == 1800
    grid = analytics.heatmap(start, end, filters=one)
    assert sum(map(sum, grid)) == 1800 and grid[days[0].weekday()][14] == 1800
    assert sum(map(sum, analytics.heatmap(start, end))) == 3 * 7200 - 3600 + 1800
    mine = {"device": desk.device}
    assert sum(map(sum, analytics.heatmap(start, end, filters=mine))) == 3 * 7200 - 3600
    assert analytics.productivity_pulse(start, end, filters=one) == \
        analytics.productivity_pulse(start, end, filters=mine)  # all coding either way
    goal = 3600.0
    assert analytics.streaks(goal, days[0].date(), filters=mine).current == 3
    assert analytics.streaks(goal, days[0].date(), filters=one).current == 0
    assert analytics.streaks(1200.0, days[0].date(), filters=one).current == 1
    desk.close()
    laptop.close()


def test_engine_switches_sync_on_and_off(server_process, tmp_path, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    server = server_process.start()
    key = user_with_key(server.database_url, "bob")
    home = tmp_path / "home"
    engine = Engine(home)
    try:
        with pytest.raises(SyncError, match="sync is off"):
            engine.sync_now()  # nothing leaves the machine unless sync is on
        assert sync.save_key(home, server.url, key) is not None  # file fallback, said so
        assert "not encrypted" in sync.key_location(home, server.url)
        assert sync.key_location(home, server.url + "/other") is None
        engine.config.sync.url, engine.config.sync.enabled = server.url, True
        engine.store.upsert_spans([Span(time.time() - 60, time.time() - 30, app="vim")])
        engine.apply_sync()
        deadline = time.monotonic() + 30
        while engine.sync.status.last_success is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.sync.status.last_report.pushed_spans == 1
        status = engine.sync_now()
        assert status.last_error is None and status.failures == 0
        engine.config.sync.enabled = False
        engine.apply_sync()
        assert engine.sync._thread is None and not engine.sync.status.enabled
    finally:
        engine.sync.stop()
        engine.store.close()


def test_sync_settings_are_checked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[sync]\nurl = "timeforged.example.com"\n')
    with pytest.raises(ConfigError, match=r"sync\.url: must start with http"):
        load_config(path, env={})
    path.write_text("[sync]\nenabled = true\n")
    with pytest.raises(ConfigError, match=r"sync\.url: needed"):
        load_config(path, env={})
    path.write_text('[sync]\nenabled = true\nurl = "https://time.example.org"\n')
    assert load_config(path, env={}).sync.enabled
