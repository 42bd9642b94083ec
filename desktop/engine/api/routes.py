"""The route registry of the local API, and the request and response its handlers see.

Any module can add routes; the server imports the modules listed in `ROUTE_MODULES` (and
anything imported before it starts) and dispatches on (method, path)::

    from desktop.engine.api.routes import ApiError, Request, Response, route

    @route("POST", "/api/v1/focus/start")
    def start_focus(request: Request) -> Response:
        body = request.json()                      # dict/list; ApiError(400) if malformed
        minutes = body.get("minutes")
        if not isinstance(minutes, int | float):
            raise ApiError(400, "minutes: expected a number", field="minutes")
        request.engine.focus.start(minutes * 60)   # the running Engine
        return Response.json({"ok": True}, status=201)

A path whose last segment is ``{name}`` (``/api/v1/goals/{id}``) matches any last segment
when no exact path does; the handler reads it from `request.path`.

`request.query` holds the query string (first value per name), `request.headers` the
headers (case-insensitive), `request.engine` the Engine, `request.api` the ApiServer (its
`record`, its port). Handlers run on the server's worker threads. Routes need the API key
unless registered with ``auth=False``; every route refuses web pages (only our extension's
Origin passes) and is rate limited. A handler raises ApiError for a clean 4xx/5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# Modules whose import registers the built-in routes.
ROUTE_MODULES = ("desktop.engine.api.wakatime", "desktop.engine.api.wakatime_read",
                 "desktop.engine.api.browser", "desktop.engine.api.focus_routes",
                 "desktop.engine.api.engine_routes", "desktop.engine.api.live")
MAX_DEPTH = 64  # JSON nesting allowed in a body; a heartbeat bulk needs 3

# A JSON string (possibly unterminated: consumed once, never rescanned) or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.?)*+"?|[\[\]{}]', re.S)


def nested_deeper(text: str, limit: int) -> bool:
    """Whether JSON `text` nests arrays and objects deeper than `limit` (checked before parsing:
    Python's parser recurses and would run out of stack on `[` x 100,000)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class ApiError(Exception):
    """Ends a request with `status` and ``{"error": message[, "field": field]}``."""

    def __init__(self, status: int, message: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body: dict[str, Any] = {"error": self.message}
        if self.field:
            body["field"] = self.field
        return Response.json(body, status=self.status, headers=self.headers)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None  # sent after `body` until it ends (no length)

    @classmethod
    def json(cls, data: Any, status: int = 200,
             headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data, separators=(",", ":")).encode(),
                   "application/json", dict(headers or {}))

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    engine: Any
    api: Any

    def json(self) -> Any:
        """The body as JSON (UTF-8, at most MAX_DEPTH deep); ApiError 400 when it is not."""
        if not self.body:
            raise ApiError(400, "body: a JSON body is required", field="body")
        try:
            text = self.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"body: not UTF-8 (at byte {exc.start})", field="body") from None
        if nested_deeper(text, MAX_DEPTH):
            raise ApiError(400, f"body: JSON nested deeper than {MAX_DEPTH} levels",
                           field="body")
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ApiError(400, f"body: malformed JSON ({exc})", field="body") from None

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("User-Agent")


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    auth: bool


ROUTES: dict[tuple[str, str], Route] = {}
PATTERNS: dict[tuple[str, str], Route] = {}  # (method, path up to its "/{name}" segment)


def route(method: str, path: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register `handler(request) -> Response` for `method` on the exact `path`."""

    def register(handler: Handler) -> Handler:
        key = (method.upper(), path.rstrip("/") or "/")
        parent, _, last = key[1].rpartition("/")
        if last.startswith("{") and last.endswith("}"):
            PATTERNS[key[0], parent] = Route(key[0], key[1], handler, auth)
        else:
            ROUTES[key] = Route(key[0], key[1], handler, auth)
        return handler

    return register


def find(method: str, path: str) -> tuple[Route | None, bool]:
    """The route for (method, path), and whether the path exists under another method."""
    path = path.rstrip("/") or "/"
    parent = path.rpartition("/")[0]
    found = ROUTES.get((method.upper(), path)) or PATTERNS.get((method.upper(), parent))
    elsewhere = any(p == path for _, p in ROUTES) or any(p == parent for _, p in PATTERNS)
    return found, found is None and elsewhere
