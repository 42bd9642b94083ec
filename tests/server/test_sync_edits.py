"""Manual time and span edits sync through a real server process (SQLite and PostgreSQL):
a machine that pulls sees the corrected data, and an edit made there comes back."""

from __future__ import annotations

import json
import urllib.request

import pytest

from desktop.engine import manual
from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from tests.server.conftest import user_with_key
from tests.test_manual_time import T0, reference, same, stored


def _server_projects(url: str, key: str) -> dict[str, float]:
    """The server's own summary of T0's day (UTC): seconds per project."""
    day = "2026-03-02"
    req = urllib.request.Request(f"{url}/api/v1/users/current/summaries?start={day}&end={day}",
                                 headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.load(resp)["data"][0]
    return {p["name"]: p["total_seconds"] for p in data["projects"]}


def _live(store: Store) -> dict[str, tuple]:
    return {s.uuid: (s.start, s.end, s.project, s.source) for s in store.spans(0, 4e9)}


@pytest.mark.timeout(300)
def test_manual_time_and_edits_reach_the_other_machine(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    sync_a = Syncer(a, server.url, key=key, device_name="laptop")
    sync_b = Syncer(b, server.url, key=key, device_name="desktop")
    coding = Span(T0, T0 + 7200, source="editor", project="alpha", file="a.py")
    browsing = Span(T0 + 7200, T0 + 9000, source="browser", project="beta")
    meeting = manual.manual_span(T0 + 3600, 3600, "client-x", "design review")
    a.add_spans([coding, browsing])
    manual.log_time(a, meeting)
    for syncer in (sync_a, sync_b):
        syncer.sync_once()
    assert _live(b) == _live(a)
    same(stored(b), {"alpha": 3600.0, "client-x": 3600.0, "beta": 1800.0})

    # Edits on the laptop: split the meeting, move its second half, delete the browsing.
    _, second = manual.split(a, meeting.uuid, T0 + 5400)
    manual.move(a, second.uuid, "client-y")
    manual.delete(a, browsing.uuid)
    sync_a.sync_once()
    sync_b.sync_once()
    assert _live(b) == _live(a)
    same(stored(b), {"alpha": 3600.0, "client-x": 1800.0, "client-y": 1800.0})
    same(_server_projects(server.url, key), stored(b))

    same(stored(b), reference(b.spans(0, 4e9)))

    # Edits on the desktop of the laptop's spans come back to the laptop, and stay.
    _, tail = manual.split(b, coding.uuid, T0 + 1800)
    manual.move(b, tail.uuid, "gamma")
    manual.delete(b, second.uuid)
    for syncer in (sync_b, sync_a, sync_b, sync_a):
        syncer.sync_once()
    assert _live(a) == _live(b)
    same(stored(a), {"alpha": 1800.0, "gamma": 3600.0, "client-x": 1800.0})
    same(stored(a), reference(a.spans(0, 4e9)))
    same(_server_projects(server.url, key), stored(a))
    # Nothing goes back and forth any more.
    assert sync_a.sync_once().pushed_spans == sync_b.sync_once().pushed_spans == 0
    a.close()
    b.close()
