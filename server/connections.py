"""Connections nobody can hold open for nothing. uvicorn closes a kept-alive connection left
idle (`keep_alive_seconds`), but not one that never sends a request, or sends its headers a
byte at a time: here a request's headers must arrive within `header_timeout_seconds` of the
connection opening, or of the first byte of the next request on a kept-alive connection; else
the connection is closed, with a 408 when part of a request came. (The body's deadline is the
app's: `server.app.Observe`, also a 408.)"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.auto import AutoHTTPProtocol

_REPLY = b'{"detail":"request headers not received in time"}'
REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                   b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_REPLY), _REPLY))
header_timeout = 10.0  # seconds; server.main sets it from the configuration


class HttpProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol (httptools, else h11) with a deadline on request headers."""

    _deadline: asyncio.TimerHandle | None = None
    _partial = False  # part of a request's headers came

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._partial = self._partial or self._waiting()
        super().data_received(data)
        if not self._waiting():  # headers complete: the app has the request
            self._partial = False
            self._disarm()
        elif self._deadline is None:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting(self) -> bool:
        """Whether the connection is waiting for a request's headers."""
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(header_timeout, self._late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self) -> None:
        self._deadline = None
        if self._waiting() and not self.transport.is_closing():
            if self._partial:
                self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()
