"""What a later ActivityWatch import replaces reaches the other devices through a real server:
the window time imported first, then cut by AFK data from another file, ends the same on
both desktops (retired spans travel as zero-length versions of the same uuid)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from desktop.engine.io import import_file
from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from tests.server.conftest import user_with_key

DATA = Path(__file__).resolve().parents[1] / "data"


def by_app(store: Store) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for s in store.spans(0, 4e9):
        if s.source == "activitywatch:window":
            out[s.app] += s.duration
    return dict(out)


@pytest.mark.timeout(300)
def test_retired_import_spans_reach_the_other_device(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url, "ida")
    # Watchers of this kind name no host: the spans are this desktop's own, so they sync.
    buckets = {name: {**b, "hostname": "unknown"} for name, b in json.loads(
        (DATA / "activitywatch_export.json").read_text())["buckets"].items()}
    files = {}
    for kind in ("currentwindow", "afkstatus", "web.tab.current"):
        files[kind] = tmp_path / f"{kind}.json"
        files[kind].write_text(json.dumps({"buckets": {
            n: b for n, b in buckets.items() if b["type"] == kind}}))
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    sync_a, sync_b = Syncer(a, server.url, key=key), Syncer(b, server.url, key=key)

    import_file(files["currentwindow"], a)
    sync_a.sync_once()
    sync_b.sync_once()
    assert sum(by_app(b).values()) == 11460  # all window time: no AFK data yet

    assert import_file(files["afkstatus"], a).retired == 1  # firefox 10:00-10:30, AFK
    sync_a.sync_once()
    sync_b.sync_once()
    assert sum(by_app(b).values()) == 9600 - 1200 == sum(by_app(a).values())

    assert import_file(files["web.tab.current"], a).added == 3 + 1  # its audible tab revives it
    sync_a.sync_once()
    sync_b.sync_once()
    expected = {"Code": 4202, "firefox": 2938, "Slack": 600, "kitty": 1860}
    assert by_app(a) == expected
    assert by_app(b) == expected
    assert sorted((s.uuid, s.start, s.end) for s in b.spans(0, 4e9)) == sorted(
        (s.uuid, s.start, s.end) for s in a.spans(0, 4e9))
    a.close()
    b.close()
