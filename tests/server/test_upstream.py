"""Forwarding to an upstream: a server forwards each heartbeat to a second real TimeForged
server (both real processes on 127.0.0.1); the upstream is killed and restarted mid-way, and
so is the forwarding server: every heartbeat arrives upstream exactly once."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from collections.abc import Callable

import pytest

from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import post_heartbeat

pytestmark = pytest.mark.timeout(600)
START = float(int(time.time()) - 86400)


def _wait(what: str, done: Callable[[], bool], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _upstream_status(server: ServerProcess) -> dict:
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as resp:
        return json.loads(resp.read())["upstream"]


def _beats(first: int, count: int) -> list[dict]:
    return [{"entity": f"/src/f{i % 3}.py", "time": START + i * 7.5, "type": "file",
             "project": "bridge", "language": "Python", "is_write": i % 2 == 0}
            for i in range(first, first + count)]


def test_every_heartbeat_arrives_upstream_once(database_url, tmp_path):
    up_url = f"sqlite:///{tmp_path}/upstream.sqlite3"
    up_key = user_with_key(up_url, "far")
    upstream = ServerProcess(up_url, tmp_path / "upstream.log", jobs_interval_seconds="0")
    key = user_with_key(database_url, "ann")
    local = ServerProcess(database_url, tmp_path / "local.log", jobs_interval_seconds="0",
                          upstream_url=upstream.url + "/api/v1", upstream_key=up_key)

    def arrived() -> int:
        with sqlite3.connect(f"{tmp_path}/upstream.sqlite3", timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0]

    try:
        upstream.start()
        local.start()
        sent = 0
        for first in range(0, 60, 20):
            status, _ = post_heartbeat(local.port, key, _beats(first, 20), machine="box")
            assert status == 201
            sent += 20
        assert post_heartbeat(local.port, key, _beats(0, 5))[0] == 201  # resent: not again
        _wait("the first heartbeats upstream", lambda: arrived() == sent)
        _wait("their acknowledgement", lambda: _upstream_status(local)["queued"] == 0)

        upstream.kill()
        for first in range(60, 140, 20):
            assert post_heartbeat(local.port, key, _beats(first, 20), machine="box")[0] == 201
            sent += 20
        _wait("a failed attempt", lambda: _upstream_status(local)["last_error"] is not None)
        assert _upstream_status(local)["queued"] == 80

        local.kill()  # the queue is on disk: nothing is lost with the process
        local.start()
        assert _upstream_status(local)["queued"] == 80
        assert post_heartbeat(local.port, key, _beats(140, 10), machine="other")[0] == 201
        sent += 10
        upstream.start()  # the same port
        _wait("the queue drained", lambda: _upstream_status(local)["queued"] == 0)
        assert arrived() == sent
        with sqlite3.connect(f"{tmp_path}/upstream.sqlite3") as conn:
            machines = {r[0] for r in conn.execute("SELECT name FROM device")}
        assert machines == {"box", "other"}
    finally:
        local.stop()
        upstream.stop()
