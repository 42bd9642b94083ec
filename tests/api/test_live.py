"""The local API's live stream of today's totals (Server-Sent Events) over a real socket:
by key only, refused to web pages, updated when heartbeats arrive."""

from __future__ import annotations

import base64
import time
from datetime import date, datetime

from tests.api.conftest import send
from tests.sse import EventStream

LIVE = "/api/v1/users/current/live"


def _key(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def test_live_stream_of_local_totals(running):
    assert send(running.port, "GET", LIVE).status == 401
    refused = send(running.port, "GET", LIVE, key=running.key,
                   headers={"Origin": "https://evil.example"})
    assert refused.status == 403
    stream = EventStream(running.port, LIVE, _key(running.key))
    try:
        assert stream.status == 200
        assert stream.response.getheader("Content-Type") == "text/event-stream"
        assert stream.next()["total_seconds"] == 0
        midnight = datetime.combine(date.today(), datetime.min.time()).timestamp()
        start = max(time.time() - 300, midnight)  # today, in this machine's zone
        beats = [{"entity": "/src/a.py", "time": start + i * 60, "type": "file",
                  "project": "alpha", "language": "Python"} for i in range(5)]
        reply = running.call("POST", "/api/v1/users/current/heartbeats.bulk", beats)
        assert reply.status in (201, 202), reply.body
        event = stream.until(lambda e: e["total_seconds"] > 0)
        assert [p["name"] for p in event["projects"]] == ["alpha"]
        assert event["total_seconds"] == 240
    finally:
        stream.close()
