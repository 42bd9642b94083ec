"""The local API's live stream of today's totals (total and per project), the server's
GET /api/v1/users/current/live for the extension's popup and status-bar tools: Server-Sent
Events, `event: totals`, sent at once and then whenever the totals change. Heartbeats posted
here wake the streams; the tracker's own spans are picked up every `poll` seconds. Each stream
holds one of the API's threads, so there are at most MAX_STREAMS at a time."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from desktop.engine.api import shapes
from desktop.engine.api.routes import ApiError, Request, Response, route

MAX_STREAMS = 8
KEEPALIVE = 15.0


class LocalLive:
    def __init__(self, engine: Any, *, poll: float = 5.0) -> None:
        self.engine, self.poll = engine, poll
        self._changed = threading.Condition()
        self._version = 0
        self._stopping = False
        self.streams = 0

    def changed(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    def totals(self) -> dict[str, Any]:
        zone = self.engine.config.zone()
        today = datetime.now(zone).date()
        summary = self.engine.analytics.summary(
            shapes.midnight(today, zone), shapes.midnight(today + timedelta(days=1), zone),
            by="project")
        total = summary.total_seconds
        return {"date": today.isoformat(), "total_seconds": round(total, 3),
                "text": shapes.duration_parts(total)["text"],
                "projects": [{"name": i.name, "total_seconds": round(i.seconds, 3),
                              "text": shapes.duration_parts(i.seconds)["text"]}
                             for i in summary.items]}

    def stream(self) -> Iterator[bytes]:
        with self._changed:
            self.streams += 1
        try:
            last, quiet_since = None, time.monotonic()
            yield b"retry: 3000\n\n"
            while True:
                with self._changed:
                    seen = self._version
                data = self.totals()
                if data != last:
                    yield event(data)
                    last, quiet_since = data, time.monotonic()
                elif time.monotonic() - quiet_since >= KEEPALIVE:
                    yield b": keepalive\n\n"
                    quiet_since = time.monotonic()
                if not self._wait(seen):
                    return
        finally:
            with self._changed:
                self.streams -= 1


    def _wait(self, seen: int) -> bool:
        """Until a change after version `seen`, or `poll` seconds; False once stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != seen or self._stopping,
                                   timeout=self.poll)
            return not self._stopping


def event(data: dict[str, Any]) -> bytes:
    return b"event: totals\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


@route("GET", "/api/v1/users/current/live")
def live(request: Request) -> Response:
    """Today's totals as Server-Sent Events (see the module)."""
    hub: LocalLive = request.api.live
    if hub.streams >= MAX_STREAMS:
        raise ApiError(503, f"at most {MAX_STREAMS} live streams at a time",
                       headers={"Retry-After": "30"})
    return Response(200, content_type="text/event-stream", stream=hub.stream())
