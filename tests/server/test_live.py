"""The live stream of today's totals (GET /api/v1/users/current/live, Server-Sent Events)
from a real server process: by key or the web page's cookie, each user's own data only."""

from __future__ import annotations

import base64
import http.client
import queue
import time

import pytest

from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import post_heartbeat
from tests.sse import EventStream

pytestmark = pytest.mark.timeout(300)
LIVE = "/api/v1/users/current/live"


def _key(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def _beats(project: str, count: int) -> list[dict]:
    start = max(time.time() - 600, time.time() // 86400 * 86400)  # today (UTC, the users')
    return [{"entity": f"/src/{project}.py", "time": start + i * 60, "type": "file",
             "project": project, "language": "Python"} for i in range(count)]


def _projects(event: dict) -> set[str]:
    return {p["name"] for p in event["projects"]}


def _login(port: int, key: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/login", body=f"key={key}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("set-cookie", "").split(";")[0]
    conn.close()
    assert cookie.startswith("tf_session="), cookie
    return cookie


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    try:
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def test_live_totals_per_user(tmp_path):
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    ann, bob = user_with_key(url, "ann"), user_with_key(url, "bob")
    server = ServerProcess(url, tmp_path / "server.log", jobs_interval_seconds="0").start()
    streams: list[EventStream] = []
    try:
        assert _get(server.port, LIVE, {})[0] == 401
        assert _get(server.port, LIVE, _key("not-a-key"))[0] == 401
        mine = EventStream(server.port, LIVE, _key(ann))
        theirs = EventStream(server.port, LIVE, _key(bob))
        streams += [mine, theirs]
        assert mine.status == theirs.status == 200
        assert mine.next()["total_seconds"] == 0 == theirs.next()["total_seconds"]

        assert post_heartbeat(server.port, ann, _beats("alpha", 6))[0] == 201
        got = mine.until(lambda e: e["total_seconds"] > 0)
        assert _projects(got) == {"alpha"} and got["total_seconds"] == 300
        assert post_heartbeat(server.port, bob, _beats("beta", 3))[0] == 201
        seen = theirs.until(lambda e: e["total_seconds"] > 0)
        assert _projects(seen) == {"beta"} and seen["total_seconds"] == 120

        cookie = _login(server.port, ann)
        page = EventStream(server.port, LIVE, {"Cookie": cookie})
        streams.append(page)
        assert _projects(page.next()) == {"alpha"}
        status, html = _get(server.port, "/", {"Cookie": cookie})
        assert status == 200 and "id='tf-today'" in html and "EventSource" in html
        assert ">5 mins<" in html.split("id='tf-today'")[1][:40]

        assert post_heartbeat(server.port, ann, _beats("gamma", 2))[0] == 201
        assert "gamma" in _projects(mine.until(lambda e: "gamma" in _projects(e)))
        assert "gamma" in _projects(page.until(lambda e: "gamma" in _projects(e)))
        # bob's stream never carried ann's projects
        while True:
            try:
                event = theirs.events.get(timeout=2)
            except queue.Empty:
                break
            assert event is not None and _projects(event) <= {"beta"}
    finally:
        for stream in streams:
            stream.close()
        server.stop()
