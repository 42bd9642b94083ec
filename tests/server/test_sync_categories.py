"""A category set by hand syncs with its span through a real server process (SQLite and
PostgreSQL): the other machine and the server's own summaries count the time under it."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from desktop.engine import manual
from desktop.engine.analytics import Analytics
from desktop.engine.rules import Rules
from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from tests.server.conftest import user_with_key
from tests.test_manual_time import T0, same


def _server_categories(url: str, key: str) -> dict[str, float]:
    """The server's own summary of T0's day (UTC): seconds per category (WakaTime names
    them capitalized)."""
    day = "2026-03-02"
    req = urllib.request.Request(f"{url}/api/v1/users/current/summaries?start={day}&end={day}",
                                 headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.load(resp)["data"][0]
    return {c["name"].lower(): c["total_seconds"] for c in data["categories"]}


def _local(store: Store) -> dict[str, float]:
    summary = Analytics(store, Rules.load(None), UTC).summary(
        datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 86400, UTC), by="category")
    return {i.name: i.seconds for i in summary.items}


@pytest.mark.timeout(300)
def test_categories_set_by_hand_reach_the_other_machine(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    sync_a = Syncer(a, server.url, key=key, device_name="laptop")
    sync_b = Syncer(b, server.url, key=key, device_name="desktop")
    coding = Span(T0, T0 + 7200, source="window", app="code", project="alpha")
    call = manual.manual_span(T0 + 7200, 1800, "client-x", "standup", category="meeting")
    a.add_spans([coding])
    manual.log_time(a, call)
    manual.recategorize(a, coding.uuid, "design")
    for syncer in (sync_a, sync_b):
        syncer.sync_once()
    want = {"design": 7200.0, "meeting": 1800.0}
    assert {s.uuid: s.category for s in b.spans(0, 4e9)} == {coding.uuid: "design",
                                                             call.uuid: "meeting"}
    same(_local(b), want)
    same(_server_categories(server.url, key), want)

    # Given back to the rules on the desktop: coding again, on the laptop and the server.
    manual.recategorize(b, coding.uuid, "")
    for syncer in (sync_b, sync_a):
        syncer.sync_once()
    want = {"coding": 7200.0, "meeting": 1800.0}
    same(_local(a), want)
    same(_server_categories(server.url, key), want)
    assert sync_a.sync_once().pushed_spans == sync_b.sync_once().pushed_spans == 0
    a.close()
    b.close()
