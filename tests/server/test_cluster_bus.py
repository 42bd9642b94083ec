"""Two real server processes on one real PostgreSQL database (as behind a load balancer): a key
revoked through one is refused by the other at once (not after its key cache's minute), and a
live stream on one follows heartbeats posted to the other, also after the listening
connection was cut (server.cluster_bus)."""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Callable

import psycopg2
import pytest

from server.cluster_bus import LISTENER, ClusterBus
from server.cluster_bus import LIVE as CHANNEL
from tests.server.conftest import ServerProcess, admin, user_with_key
from tests.server.helpers import post_heartbeat
from tests.server.test_live import LIVE, _beats, _projects
from tests.sse import EventStream

pytestmark = pytest.mark.timeout(300)
SOON = 10.0  # seconds: well under the key cache's 60 s and the live streams' 30 s refresh


def _status(port: int, key: str, method: str = "GET", path: str = "/api/sync/v1/hello"
            ) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers={
            "Authorization": "Basic " + base64.b64encode(key.encode()).decode()})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def _soon(test: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SOON
    while not test():
        assert time.monotonic() < deadline, f"not within {SOON:g} s: {what}"
        time.sleep(0.05)


def _listeners(url: str) -> list[int]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                        (LISTENER,))
            return [pid for (pid,) in cur.fetchall()]
    finally:
        conn.close()


@pytest.fixture
def two_servers(pg_cluster, tmp_path):
    url = pg_cluster.create_database(f"bus{time.monotonic_ns()}")
    servers = [ServerProcess(url, tmp_path / f"server-{name}.log", jobs_interval_seconds="0")
               for name in "ab"]
    try:
        yield [s.start() for s in servers]
    finally:
        for server in servers:
            server.stop()


def test_a_key_revoked_on_one_process_is_refused_by_the_other(two_servers):
    a, b = two_servers
    url = a.database_url
    doomed = user_with_key(url, "ann")
    spare = admin(url, "create-key", "ann").strip()
    other = admin(url, "create-key", "ann").strip()
    for key in (doomed, other):  # cached by both processes now
        for server in (a, b):
            assert _status(server.port, key)[0] == 200
    keys = _status(a.port, spare, path="/api/v1/auth/keys")[1]["data"]
    doomed_id = next(k["id"] for k in keys if doomed.endswith(k["hint"]))

    assert _status(a.port, spare, "POST", f"/api/v1/auth/key/{doomed_id}/revoke")[0] == 200
    assert _status(a.port, doomed)[0] == 401
    _soon(lambda: _status(b.port, doomed)[0] == 401, "the other process refuses the key")
    assert _status(b.port, spare)[0] == 200

    # revoked by the admin command (a third process): both servers refuse it
    other_id = next(k["id"] for k in keys if other.endswith(k["hint"]))
    admin(url, "revoke-key", str(other_id))
    for server in (a, b):
        _soon(lambda s=server: _status(s.port, other)[0] == 401, "refused after the admin's")


def test_live_totals_follow_writes_made_on_another_process(two_servers):
    a, b = two_servers
    key = user_with_key(a.database_url)
    _soon(lambda: len(_listeners(a.database_url)) == 2, "both processes listen")
    stream = EventStream(b.port, LIVE, {
        "Authorization": "Basic " + base64.b64encode(key.encode()).decode()})
    try:
        assert stream.status == 200 and stream.next()["total_seconds"] == 0
        assert post_heartbeat(a.port, key, _beats("alpha", 6))[0] == 201
        got = stream.until(lambda e: e["total_seconds"] > 0, timeout=SOON)
        assert _projects(got) == {"alpha"} and got["total_seconds"] == 300

        # cut every listening connection: each process reconnects and hears the next writes
        before = _listeners(a.database_url)
        conn = psycopg2.connect(a.database_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "application_name = %s", (LISTENER,))
        conn.close()
        _soon(lambda: len(set(_listeners(a.database_url)) - set(before)) == 2,
              "both processes listen again")
        assert post_heartbeat(a.port, key, _beats("beta", 3))[0] == 201
        got = stream.until(lambda e: "beta" in _projects(e), timeout=SOON)
        assert {"alpha", "beta"} <= _projects(got)
    finally:
        stream.close()


def test_notices_fit_notify_and_skip_their_sender():
    heard: list[set[int]] = []
    bus = ClusterBus(lambda role: None, on_keys=lambda: None, on_live=heard.append,
                     on_lost=lambda: None)
    users = set(range(10**6, 10**6 + 3000))
    payloads = bus._payloads(users)
    assert len(payloads) > 1 and all(len(p.encode()) < 8000 for p in payloads)
    for payload in payloads:
        bus._dispatch(CHANNEL, payload)  # its own: ignored
        bus._dispatch(CHANNEL, "another" + payload.partition(" ")[1] + payload.partition(" ")[2])
    bus._dispatch(CHANNEL, "another x,y")  # a bad notice is logged, the listener goes on
    assert set().union(*heard) == users
