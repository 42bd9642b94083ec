"""The local HTTP server: loopback only, the key required, web pages refused.

Built on the standard library's ThreadingHTTPServer; one instance per Engine. Routes live
in `routes.py`'s registry (see there for adding some).
"""

from __future__ import annotations

import importlib
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from desktop.engine.api import routes, security, wakatime_read
from desktop.engine.api.routes import ApiError, Request, Response
from desktop.engine.heartbeats import WAKATIME_TIMEOUT, Heartbeat, prepare, stop
from desktop.engine.store import StoreError
from desktop.engine.store.beats import TIMEOUTS

log = logging.getLogger(__name__)

DEFAULT_PORT = 5757
MAX_BODY = 1 << 20  # 1 MiB: a bulk of 1000 heartbeats fits comfortably
BROWSER_TIMEOUT = TIMEOUTS["browser"]  # the extension reports every 60 s while a tab is focused
CORS_HEADERS = "Authorization, Content-Type, X-Machine-Name, TimeZone"


class ApiServer:
    """Serves the registered routes for `engine` on 127.0.0.1:`port` (0: any free port).

    Heartbeats posted here are stored and joined into spans by the engine's store before
    they are acknowledged; the browser tabs reported here feed the watchers' URL seam.
    """

    def __init__(self, engine: Any, *, port: int = DEFAULT_PORT, key: str | None = None,
                 home: Path | None = None, host: str = "127.0.0.1", max_body: int = MAX_BODY,
                 rate: float = 50.0, burst: int = 200, other_rate: float = 10.0,
                 other_burst: int = 50, heartbeat_timeout: float = WAKATIME_TIMEOUT) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the local API only listens on loopback, not on {host}")
        for name in routes.ROUTE_MODULES:
            importlib.import_module(name)
        self.engine = engine
        self.home = home or getattr(engine, "home", None)
        self.key = key or security.load_or_create_key(self.home)
        self.max_body = max_body
        # Separate budgets: key holders (the editors, the extension, our CLI) and everything
        # else (preflights), so nothing without the key can starve the editors.
        self.limiters = {True: security.RateLimiter(rate, burst),
                         False: security.RateLimiter(other_rate, other_burst)}
        self.timeouts = {"editor": heartbeat_timeout, "browser": BROWSER_TIMEOUT}
        from watchers.browsers import ReportedTabs

        self.tabs = ReportedTabs(max_age=BROWSER_TIMEOUT)
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
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="local-api",
                                        kwargs={"poll_interval": 0.25}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        from watchers.browsers import unregister_url_provider

        unregister_url_provider(self.tabs)
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    # -- what the routes call ----------------------------------------------------------------

    def record(self, beats: Iterable[Heartbeat]) -> Recorded:
        """Store heartbeats (the rules may redact or drop what they say); on disk when this
        returns. ApiError 503 when the store cannot write: nothing is acknowledged then."""
        store = self.engine.store
        redact = getattr(getattr(self.engine, "rules", None), "redact", None)
        items = []
        for beat in beats:
            source, stored, span = prepare(beat, store.device)
            items.append((source, stored, redact(span) if redact else span))
        return self._store(items)

    def end_stream(self, source: str, when: float) -> Recorded:
        """`source`'s stream stopped at `when` (the browser lost focus, the user went idle)."""
        return self._store([(source, stop(source, when), None)])

    def _store(self, items: list) -> Recorded:
        if not items:
            return Recorded([], [])
        try:
            span_ids, new = self.engine.store.add_heartbeats(items, self.timeouts)
        except StoreError as exc:
            log.warning("heartbeats not stored: %s", exc)
            raise ApiError(503, f"not stored, retry later: {exc}",
                           headers={"Retry-After": "30"}) from None
        return Recorded(new, span_ids)


@dataclass(frozen=True)
class Recorded:
    new: list[bool]  # per heartbeat: False if it was sent before
    span_ids: list[str | None]  # per heartbeat: the span it is in (None: it makes none)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    api: ApiServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "TimeForged"
    timeout = 15  # a client that stalls mid-request loses its thread after this

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

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
            self.close_connection = True
            raise ApiError(411, "Transfer-Encoding: send a Content-Length instead")
        raw = self.headers.get("Content-Length") or "0"
        try:
            length = int(raw)
        except ValueError:
            self.close_connection = True
            raise ApiError(400, "Content-Length: not a number", field="Content-Length") from None
        if length < 0:
            self.close_connection = True
            raise ApiError(400, "Content-Length: negative", field="Content-Length")
        if length > api.max_body:
            self._drain(min(length, 16 * api.max_body))
            self.close_connection = True
            raise ApiError(413, f"body: larger than {api.max_body} bytes")
        return self.rfile.read(length) if length else b""

    def _drain(self, length: int) -> None:
        """Read (and drop) a refused body so the client sees our answer, not a reset."""
        deadline = time.monotonic() + 5
        while length > 0 and time.monotonic() < deadline:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status, HTTPStatus(response.status).phrase
                               if response.status in HTTPStatus._value2member_map_ else None)
            if response.body or response.status not in (204, 304):
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if response.body and self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass
