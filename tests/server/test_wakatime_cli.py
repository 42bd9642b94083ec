"""The real WakaTime CLI (wakatime 13.1.0 from PyPI) against a real server process on SQLite and
PostgreSQL: online, with the server down (heartbeats queued, then replayed late after the next
live one), restarted between, and out of order; the totals follow WakaTime's rule."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.server.conftest import user_with_key
from tests.test_heartbeat_accounting import reference
from tests.wakatime_cli import git_project, offline_session


def test_wakatime_cli_offline_and_late_heartbeats_on_the_server(
        wakatime_cli, server_process, database_url, tmp_path):
    key = user_with_key(database_url)
    server_process.start()
    home = tmp_path / "home"
    home.mkdir()
    cfg = home / ".wakatime.cfg"
    # wakatime<14 posts to api_url itself: the bare /api/v1 a user configures
    cfg.write_text(f"[settings]\napi_url = {server_process.url}/api/v1\napi_key = {key}\n")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    files = list(git_project(tmp_path / "webshop"))
    t0 = time.time() - 3600
    sent = offline_session(wakatime_cli, cfg, env, files, t0, server_process.stop,
                           server_process.start)
    expected = {name: s for (dim, name), s in reference(sent).items() if dim == "file"}
    day = datetime.fromtimestamp(t0, UTC).date().isoformat()
    days = {day, datetime.fromtimestamp(t0 + 900, UTC).date().isoformat()}
    got: dict[str, float] = {}
    for d in sorted(days):
        req = urllib.request.Request(
            f"{server_process.url}/api/v1/users/current/summaries?start={d}&end={d}",
            headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            for entry in json.loads(resp.read())["data"][0]["entities"]:
                got[entry["name"]] = got.get(entry["name"], 0) + entry["total_seconds"]
    assert got == pytest.approx(expected, abs=0.01)
    assert sum(got.values()) == pytest.approx(900, abs=0.01)  # nothing lost, nothing twice
