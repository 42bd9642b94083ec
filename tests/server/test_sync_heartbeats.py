"""Heartbeats joined on one desktop, arriving late and out of order between syncs, reach the
server and a second desktop as the same time: spans a late heartbeat replaced are retired (no
length, same uuid) and that retirement syncs like any change; nothing is counted twice."""

from __future__ import annotations

import json
import random
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from desktop.engine.heartbeats import Heartbeat
from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from tests.server.conftest import user_with_key
from tests.store_helpers import post
from tests.test_heartbeat_accounting import reference, same, stored_totals


def server_files(url: str, key: str, days: set[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for day in sorted(days):
        req = urllib.request.Request(f"{url}/api/v1/users/current/summaries?start={day}&end={day}",
                                     headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            for entry in json.loads(resp.read())["data"][0]["entities"]:
                out[entry["name"]] = out.get(entry["name"], 0) + entry["total_seconds"]
    return out


@pytest.mark.timeout(300)
def test_late_heartbeats_between_syncs_give_the_same_time_everywhere(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    rng = random.Random(14)
    t0 = time.time() - 4 * 3600
    files = ["/w/api.py", "/w/db.py", "/w/ui.ts"]
    beats = [Heartbeat(entity=rng.choice(files), time=t0 + i * 80 + rng.uniform(0, 40),
                       project="w") for i in range(30)]  # 30 heartbeats, 3 files, 40 minutes
    order = beats[:]
    rng.shuffle(order)
    laptop, desktop = Store(tmp_path / "laptop.sqlite3"), Store(tmp_path / "desktop.sqlite3")
    sync_laptop = Syncer(laptop, server.url, key=key, device_name="laptop")
    sync_desktop = Syncer(desktop, server.url, key=key, device_name="desktop")
    for i in range(0, 30, 3):  # one request at a time, a sync after every three
        for beat in order[i:i + 3]:
            post(laptop, [beat])
        sync_laptop.sync_once()
    sync_desktop.sync_once()
    with laptop._read() as conn:  # late heartbeats did replace spans on the way
        assert conn.execute('SELECT COUNT(*) FROM span WHERE "end" = start').fetchone()[0] > 0
    expected = reference(beats, 900.0)
    by_file = {name: s for (dim, name), s in expected.items() if dim == "file"}
    assert same(stored_totals(laptop), expected)
    assert same(stored_totals(desktop), expected)  # the retirements arrived too
    days = {datetime.fromtimestamp(t, UTC).date().isoformat() for t in (t0, t0 + 2500)}
    assert server_files(server.url, key, days) == pytest.approx(by_file, abs=0.01)
    laptop.close()
    desktop.close()
