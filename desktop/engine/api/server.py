"""The local HTTP server: loopback only, the key required, web pages refused.

Built on the standard library's socketserver (a thread per connection) and http1.py's
reading and writing of HTTP/1.x; one instance per Engine. Routes live
in `routes.py`'s registry (see there for adding some).
"""

from __future__ import annotations

import importlib
import ipaddress
import logging
import math
import selectors
import socket
import socketserver
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from desktop.engine.api import http1, routes, security, wakatime_read
from desktop.engine.api.client import SERVER_NAME
from desktop.engine.api.live import LocalLive
from desktop.engine.api.routes import ApiError, Request, Response
from desktop.engine.heartbeats import WAKATIME_TIMEOUT, Heartbeat, prepare, stop
from desktop.engine.store import StoreError
from desktop.engine.store.beats import TIMEOUTS
from desktop.engine.upstream import wire

log = logging.getLogger(__name__)

DEFAULT_PORT = 5757
MAX_BODY = 1 << 20  # 1 MiB: a bulk of 1000 heartbeats fits comfortably
BROWSER_TIMEOUT = TIMEOUTS["browser"]  # the extension reports every 60 s while a tab is focused
CORS_HEADERS = "Authorization, Content-Type, X-Machine-Name, TimeZone"
REQUEST_TIMEOUT = 10.0  # seconds from connecting for a request's headers and body to arrive
WRITE_TIMEOUT = 10.0  # seconds a reply may wait for a client that does not read it
LINGER_BYTES = 128 << 20  # at most this much of a refused body is read (and dropped)


class ApiServer:
    """Serves the registered routes for `engine` on 127.0.0.1:`port` (0: any free port).

    Heartbeats posted here are stored and joined into spans by the engine's store before
    they are acknowledged; the browser tabs reported here feed the watchers' URL seam.
    """

    def __init__(self, engine: Any, *, port: int = DEFAULT_PORT, key: str | None = None,
                 home: Path | None = None, host: str = "127.0.0.1", max_body: int = MAX_BODY,
                 rate: float = 50.0, burst: int = 200, other_rate: float = 10.0,
                 other_burst: int = 50, heartbeat_timeout: float = WAKATIME_TIMEOUT,
                 request_timeout: float = REQUEST_TIMEOUT) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the local API only listens on loopback, not on {host}")
        for name in routes.ROUTE_MODULES:
            importlib.import_module(name)
        self.engine = engine
        self.home = home or getattr(engine, "home", None)
        self.key = key or security.load_or_create_key(self.home)
        self.max_body = max_body
        self.request_timeout = request_timeout
        # Separate budgets: key holders (the editors, the extension, our CLI) and everything
        # else (preflights), so nothing without the key can starve the editors.
        self.limiters = {True: security.RateLimiter(rate, burst),
                         False: security.RateLimiter(other_rate, other_burst)}
        self.timeouts = {"editor": heartbeat_timeout, "browser": BROWSER_TIMEOUT}
        from watchers.browsers import ReportedTabs

        self.tabs = ReportedTabs(max_age=BROWSER_TIMEOUT)
        self.live = LocalLive(engine)
        self._httpd = _Server((host, port), _Handler)
        self._httpd.api = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from watchers.browsers import register_url_provider

        register_url_provider(self.tabs)
        self._thread = threading.Thread(target=self._httpd.serve, name="local-api",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        from watchers.browsers import unregister_url_provider

        unregister_url_provider(self.tabs)
        self.live.stop()
        if self._thread is not None:
            self._httpd.wake()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    # -- what the routes call ----------------------------------------------------------------

    def record(self, beats: Iterable[Heartbeat]) -> Recorded:
        """Store heartbeats (the rules may redact or drop what they say); on disk when this
        returns. ApiError 503 when the store cannot write: nothing is acknowledged then."""
        store = self.engine.store
        redact = getattr(getattr(self.engine, "rules", None), "redact", None)
        items, forward = [], []
        upstream = getattr(self.engine, "upstream", None)
        machine = getattr(getattr(self.engine, "config", None), "device_name", None) or \
            socket.gethostname()
        for beat in beats:
            source, stored, span = prepare(beat, store.device)
            items.append((source, stored, redact(span) if redact else span))
            forward.append((machine, wire(beat)) if upstream else None)
        recorded = self._store(items, forward if upstream else None)
        if any(recorded.new):
            self.live.changed()
            if upstream:
                upstream.nudge()
        return recorded

    def end_stream(self, source: str, when: float) -> Recorded:
        """`source`'s stream stopped at `when` (the browser lost focus, the user went idle)."""
        return self._store([(source, stop(source, when), None)])

    def _store(self, items: list, forward: list | None = None) -> Recorded:
        if not items:
            return Recorded([], [])
        try:
            span_ids, new = self.engine.store.add_heartbeats(items, self.timeouts,
                                                             forward=forward)
        except StoreError as exc:
            log.warning("heartbeats not stored: %s", exc)
            raise ApiError(503, f"not stored, retry later: {exc}",
                           headers={"Retry-After": "30"}) from None
        return Recorded(new, span_ids)


@dataclass(frozen=True)
class Recorded:
    new: list[bool]  # per heartbeat: False if it was sent before
    span_ids: list[str | None]  # per heartbeat: the span it is in (None: it makes none)


class _Server(socketserver.ThreadingTCPServer):
    """Waits for connections without waking up while nobody asks (socketserver's
    serve_forever polls for its shutdown flag: four wake-ups a second of an idle engine)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    timeout = 0  # handle_request: only what is ready
    api: ApiServer

    def __init__(self, address: tuple[str, int], handler: type) -> None:
        self._waker, self._woken = socket.socketpair()  # before: a failed bind closes them
        super().__init__(address, handler)
        self.socket.setblocking(False)  # a connection gone before its accept blocks nothing

    def serve(self) -> None:
        """Hand each connection to a thread until `wake()`."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._woken, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._woken in ready:
                    return
                self.handle_request()

    def wake(self) -> None:
        """Make `serve` return."""
        self._waker.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._waker.close()
        self._woken.close()


class _Handler(socketserver.BaseRequestHandler):
    """One request per connection (HTTP/1.0, see http1.py): the request must arrive within the
    API's request_timeout of connecting; a connection that sends nothing is closed then."""

    server: _Server
    request: socket.socket
    method = ""
    path = ""
    headers = http1.Headers([])
    _body_read = False  # whether the announced body has been read (else it is drained)

    def setup(self) -> None:
        self.connection: socket.socket = self.request
        self.rfile = http1.reader(self.connection,
                                  time.monotonic() + self.server.api.request_timeout)

    def handle(self) -> None:
        """Any method goes to the routes (405 for one they lack); a connection that sends
        nothing in time is closed, a request that arrives too slowly gets a 408."""
        try:
            if not self.rfile.peek(1):
                return  # closed without a request
        except OSError:  # TimeoutError included: idle
            return
        try:
            head = http1.read_head(self.rfile)
        except TimeoutError:
            self._send(ApiError(408, self._late()).response())
            return
        except http1.BadRequest as exc:
            self._send(ApiError(exc.status, exc.message).response())
            self._linger()
            return
        except OSError:  # the client went away
            return
        if head is None:
            return
        self.method, self.path, self.headers = head.method, head.target, head.headers
        self._serve(head.method)

    def _late(self) -> str:
        return f"request: not received within {self.server.api.request_timeout:g} s"

    def _serve(self, method: str) -> None:
        api = self.server.api
        origin = self.headers.get("Origin")
        try:
            response = self._respond(api, method, origin)
        except ApiError as exc:
            response = exc.response()
        except Exception:
            log.exception("local API: %s %s failed", method, self.path)
            response = ApiError(500, "internal error; see the TimeForged log").response()
        if origin and security.origin_allowed(origin):
            response.headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
        self._send(response)
        if not self._body_read and (self.headers.get("Transfer-Encoding")
                                    or self.headers.get("Content-Length", "0") != "0"):
            self._linger()

    def _respond(self, api: ApiServer, method: str, origin: str | None) -> Response:
        # Refusals come first and cost nothing: a web page flooding us cannot spend the budget.
        if not security.host_allowed(self.headers.get("Host"), api.port):
            raise ApiError(403, "Host: only 127.0.0.1 and localhost are served")
        if not security.origin_allowed(origin):
            raise ApiError(403, "Origin: web pages may not use the TimeForged API")
        if origin is None and self.headers.get("Sec-Fetch-Site", "none") not in (
                "none", "same-origin"):
            raise ApiError(403, "Sec-Fetch-Site: web pages may not use the TimeForged API")
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        keyed = security.key_matches(security.key_from_request(self.headers, query), api.key)
        if method == "OPTIONS":
            if origin is None:
                raise ApiError(403, "Origin: preflight requests are only for our extension")
            self._take(api, keyed)
            return Response(204, headers={
                "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
                "Access-Control-Allow-Headers": CORS_HEADERS,
                "Access-Control-Max-Age": "600"})
        path = wakatime_read.canonical_path(parts.path)
        found, other_method = routes.find(method, path)
        if not keyed and (found is None or found.auth):  # only key holders learn the routes
            raise ApiError(401, "Authorization: a valid API key is required (see "
                           "`timeforged setup-editors`)",
                           headers={"WWW-Authenticate": 'Basic realm="TimeForged"'})
        self._take(api, keyed)
        if found is None:
            raise ApiError(405 if other_method else 404,
                           f"{method} {parts.path}: " + ("method not allowed" if other_method
                                                         else "no such route"))
        body = self._read_body(api)
        request = Request(method, path, query, self.headers, body, api.engine, api)
        return found.handler(request)

    @staticmethod
    def _take(api: ApiServer, keyed: bool) -> None:
        """Spend one request of the key holders' budget (`keyed`) or of everyone else's."""
        wait = api.limiters[keyed].take()
        if wait:
            raise ApiError(429, "too many requests; slow down",
                           headers={"Retry-After": str(max(1, math.ceil(wait)))})

    def _read_body(self, api: ApiServer) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise ApiError(411, "Transfer-Encoding: send a Content-Length instead")
        if len(set(self.headers.get_all("Content-Length"))) > 1:
            raise ApiError(400, "Content-Length: sent twice, with different values",
                           field="Content-Length")
        raw = self.headers.get("Content-Length") or "0"
        try:
            length = int(raw)
        except ValueError:
            raise ApiError(400, "Content-Length: not a number", field="Content-Length") from None
        if length < 0:
            raise ApiError(400, "Content-Length: negative", field="Content-Length")
        if length > api.max_body:  # refused at once, without waiting for it
            raise ApiError(413, f"body: larger than {api.max_body} bytes")
        try:
            body = self.rfile.read(length) if length else b""
        except TimeoutError:
            raise ApiError(408, self._late()) from None
        self._body_read = True
        if len(body) < length:
            raise ApiError(400, f"body: {len(body)} bytes, not the {length} its Content-Length "
                                "announced", field="Content-Length")
        return body

    def _linger(self) -> None:
        """After refusing a body or a malformed request unread: read (and drop) what the
        client still sends until it has our answer and hangs up, the request's deadline or
        LINGER_BYTES, so that it sees the answer rather than a connection reset."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            left = LINGER_BYTES
            while left > 0:
                chunk = self.rfile.read1(1 << 16)
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:  # TimeoutError included
            pass

    def _send(self, response: Response) -> None:
        headers = []
        if response.body or response.status not in (204, 304):
            headers.append(("Content-Type", response.content_type))
        if response.stream is None:
            headers.append(("Content-Length", str(len(response.body))))
        headers += [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                    *response.headers.items()]
        head = http1.response_head(response.status, SERVER_NAME, headers)
        log.debug("%s %s: %s", self.client_address[0], self.method or "-", response.status)
        try:
            self.connection.settimeout(WRITE_TIMEOUT)
            self.connection.sendall(head + response.body if self.method != "HEAD" else head)
            if response.stream is not None and self.method != "HEAD":
                for chunk in response.stream:  # until the client goes away or we stop
                    self.connection.sendall(chunk)
        except OSError:  # the client went away or does not read
            pass
        finally:
            if response.stream is not None:
                response.stream.close()
