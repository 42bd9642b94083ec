"""A Server-Sent Events client over a real socket: events read by a thread into a queue."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
from typing import Any


class EventStream:
    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream", **headers})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = None, []
        try:
            while line := self.response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith("event:"):
                    kind = text[6:].strip()
                elif text.startswith("data:"):
                    data.append(text[5:].strip())
                elif not text and data:
                    if kind == "totals":
                        self.events.put(json.loads("\n".join(data)))
                    kind, data = None, []
        except (OSError, ValueError, AttributeError):  # AttributeError: closed by close()
            pass
        self.events.put(None)

    def next(self, timeout: float = 60) -> dict[str, Any]:
        event = self.events.get(timeout=timeout)
        assert event is not None, "the stream ended"
        return event

    def until(self, test, timeout: float = 60) -> dict[str, Any]:
        """The first event that passes `test` (those before it are dropped)."""
        while not test(event := self.next(timeout)):
            pass
        return event

    def close(self) -> None:
        """Hang up (the response's reader would otherwise keep the socket open)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()
