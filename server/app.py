"""The HTTP API (FastAPI): sync for desktops, WakaTime's endpoints for plugins, the
leaderboard page, /healthz and /metrics. Processes keep no state that matters: several can
serve one PostgreSQL database behind a load balancer."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
import uuid as uuidlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Any
from urllib.parse import parse_qs

import orjson
from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    StreamingResponse,
)
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desktop.engine.heartbeats import (
    Heartbeat,
    HeartbeatError,
    checked_text,
    parse_heartbeat,
    parse_heartbeats,
    parse_user_agent,
)
from server import csrf, errors, team_api, upstream, web
from server.account import sessions
from server.account.login import login_routes
from server.account.routes import account_routes
from server.account.sessions import session_user as _session_user
from server.achievements import routes as achievement_routes
from server.auth import Caller, KeyCache, RateLimiter, key_from_header
from server.badges import badge_routes
from server.cluster_bus import ClusterBus
from server.commit_holdings import held_routes
from server.commits import commit_routes
from server.config import ServerConfig
from server.dashboard import dashboard_routes
from server.dashboard.digests import Digests
from server.db import Database
from server.errors import BAD_INPUT, JsonRoute
from server.history import History, span_from_wire
from server.ingest import Beats, HeartbeatWriter, Stored
from server.jobs import Scheduler, leaderboard
from server.live import LiveHub, today_totals
from server.models import User
from server.reports import Reports
from server.wakatime_read import read_routes

log = logging.getLogger("timeforged.server")
WAKA = "/api/v1/users/current"
MAX_BULK = 1000
MAX_PUSH = 5000
DRAIN_BYTES = 8 << 20  # of a refused body read and dropped before the answer
REQUESTS = Counter("timeforged_requests_total", "HTTP requests", ["route", "status"])
LATENCY = Histogram("timeforged_request_seconds", "Request latency", ["route"],
                    buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
SPANS = Counter("timeforged_sync_spans_total", "Spans written by sync")


class State:
    def __init__(self, config: ServerConfig, db: Database) -> None:
        self.config = config
        self.db = db
        self.history = History(db)
        self.reports = Reports(self.history)
        self.keys = KeyCache()
        self.limiter = RateLimiter(config.rate_per_second, config.rate_burst)
        self.upstream = upstream.forwarder(config, db)
        self.live = LiveHub(lambda user: today_totals(self.reports, user))
        self.bus = ClusterBus.for_database(
            db, on_keys=self.keys.forget, on_live=self.live.changed, on_lost=self.lost
        ) if db.postgres else None
        self.writer = HeartbeatWriter(self.history, forward=self.upstream is not None,
                                      on_commit=self.committed)
        self.secret = _secret(db)
        self.device_os: dict[str, str] = {}  # device -> OS this process wrote
        self.digests = Digests(self.reports)

    def committed(self, users: set[int]) -> None:
        """These users' heartbeats or spans were committed."""
        self.totals_changed(users)
        if self.upstream:
            self.upstream.nudge()

    def totals_changed(self, users: set[int]) -> None:
        """For the live streams of this process and (PostgreSQL) of the others."""
        self.live.changed(users)
        if self.bus:
            self.bus.live_changed(users)

    def lost(self) -> None:
        """The other processes' notices may have been missed: start afresh."""
        self.keys.forget()
        self.live.everyone_changed()


def _secret(db: Database) -> bytes:
    """The cookie-signing secret, shared by every process through the database."""
    db.execute("INSERT INTO meta (key, value) VALUES ('server_secret', %s) ON CONFLICT (key) "
               "DO NOTHING", (secrets.token_hex(32),))
    return bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'server_secret'"
                                    ).fetchone()[0])


async def _caller(request: Request) -> Caller:
    """The API key's owner (Bearer, WakaTime's Basic, or ?api_key=), within the rate limit;
    on the event loop when the key is cached, else in a thread."""
    state: State = request.app.state.tf
    key = key_from_header(request.headers.get("authorization")) or \
        request.query_params.get("api_key")
    found = state.keys.cached(key)
    if found is None:
        found = await run_in_threadpool(state.keys.verify, key)
    return _admit(state, found)


def _admit_public(state: State, user: User) -> None:
    """A keyless read of a public profile: rate-limited per profile."""
    wait = state.limiter.take(-user.id)
    if wait:
        raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": str(int(wait))})


def _admit(state: State, found: Caller | None) -> Caller:
    if found is None:
        raise HTTPException(401, "a valid API key is required",
                            headers={"WWW-Authenticate": "Bearer"})
    wait = state.limiter.take(found.key_id)
    if wait:
        raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": str(int(wait))})
    return found


async def _record(state: State, who: Caller, machine: str | None, beats: list[Heartbeat]
                  ) -> Stored:
    """Join and write (group commit); returns once committed: per heartbeat its span's uuid,
    or why it could not be stored (`not_stored`). 503 when the database cannot write."""
    machine = (machine or "remote")[:128]
    device = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"timeforged:{who.user.id}:{machine}"))
    try:
        outcome = await asyncio.wrap_future(
            state.writer.submit(Beats(who.user, device, machine, beats)))
    except Exception as exc:
        log.warning("heartbeats not written", extra={"error": repr(exc)})
        raise HTTPException(503, "not written, retry", headers={"Retry-After": "1"}) from None
    if isinstance(outcome, PermissionError):
        raise HTTPException(403, str(outcome))
    await _note_os(state, device, beats)
    return outcome


def not_stored(exc: Exception) -> str:
    """What a client is told of a heartbeat the database refused when written alone: its own
    data is at fault (or the server), a retry would fail again."""
    return f"not stored: the database refused it ({type(exc).__name__}); see the server log"


async def _note_os(state: State, device: str, beats: list[Heartbeat]) -> None:
    """Keep the device's operating system, from its plugins' User-Agent (for stats by OS);
    written only when this process has not seen it yet or it changed."""
    name = next((found for beat in reversed(beats)
                 if (found := parse_user_agent(beat.user_agent).os)), None)
    if name is None or state.device_os.get(device) == name:
        return
    try:
        await run_in_threadpool(_set_os, state.db, device, name)
    except Exception as exc:  # the heartbeats are committed: only the OS is not kept
        log.warning("device OS not written", extra={"error": repr(exc)})
        return
    state.device_os[device] = name


def _set_os(db: Database, device: str, name: str) -> None:
    db.execute("UPDATE device SET os = %s WHERE id = %s", (name, device))


async def _one_heartbeat(state: State, who: Caller, body: dict[str, Any],
                         user_agent: str | None, machine: str | None) -> Response:
    try:
        beat = parse_heartbeat(body, user_agent=user_agent)
    except HeartbeatError as exc:
        raise HTTPException(400, str(exc)) from None
    ids = await _record(state, who, machine, [beat])
    if isinstance(ids[0], Exception):
        raise HTTPException(400, not_stored(ids[0]))
    return _json({"data": {**beat.to_dict(), "id": ids[0]}}, 201)


Who = Annotated[Caller, Depends(_caller)]


def create_app(config: ServerConfig, db: Database | None = None, *,
               scheduler: bool | None = None) -> FastAPI:
    db = db or Database(config.database)
    db.migrate()
    state = State(config, db)
    sched = Scheduler(state.history, config, state.reports)
    run_jobs = scheduler if scheduler is not None else config.jobs_interval_seconds > 0

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            sched.start()
        if state.upstream:
            state.upstream.start()
        state.live.start()
        if state.bus:
            state.bus.start()
        warmed = threading.Event()
        if run_jobs:  # a process that runs the jobs also digests the dashboards ahead
            threading.Thread(target=state.digests.warm, args=(warmed,), name="dashboard-warm",
                             daemon=True).start()
        try:
            yield
        finally:
            warmed.set()
            if state.bus:
                state.bus.stop()
            await state.live.stop()
            sched.stop()
            state.writer.close()
            if state.upstream:
                state.upstream.stop()

    app = FastAPI(title="TimeForged server", version="0.1.0", lifespan=lifespan,
                  description="Sync, WakaTime-compatible API, leaderboards.")
    app.state.tf = state
    app.router.route_class = JsonRoute
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    app.add_exception_handler(RequestValidationError, errors.invalid_request)
    for kind in errors.UNAVAILABLE:
        app.add_exception_handler(kind, errors.database_unavailable)

    app.add_middleware(OneHeartbeat, state=state, path=f"{WAKA}/heartbeats")
    app.add_middleware(Observe, max_body=config.max_body_bytes,
                       body_timeout=config.body_timeout_seconds)

    # -- health and metrics ----------------------------------------------------------------

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        try:
            db.execute("SELECT 1").fetchone()
        except Exception as exc:
            raise HTTPException(503, f"database: {type(exc).__name__}") from None
        return {"status": "ok", "database": "postgresql" if db.postgres else "sqlite",
                **({"upstream": state.upstream.status().as_dict()} if state.upstream else {})}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    # -- sync ------------------------------------------------------------------------------

    @app.get("/api/sync/v1/hello", tags=["sync"])
    def hello(who: Who) -> dict[str, Any]:
        return {"user": who.user.name, "server": "timeforged", "version": app.version,
                "time": time.time(), "devices": state.history.devices(who.user)}

    @app.post("/api/sync/v1/push", tags=["sync"], responses=BAD_INPUT)
    def push(body: Annotated[dict[str, Any], Body()], who: Who) -> dict[str, Any]:
        """Spans (idempotent by uuid; a newer `updated` replaces) and deletions from one
        device (and its `os`, optional)."""
        device = _text(body, "device", 64)
        name = _text(body, "device_name", 4096, required=False) or ""
        os_name = _text(body, "os", 32, required=False)
        spans_in, dels_in = body.get("spans", []), body.get("deletions", [])
        if not isinstance(spans_in, list) or not isinstance(dels_in, list) or \
                len(spans_in) + len(dels_in) > MAX_PUSH:
            raise HTTPException(400, f"spans, deletions: lists of at most {MAX_PUSH} items")
        spans, updated = [], []
        for i, raw in enumerate(spans_in):
            try:
                span, upd = span_from_wire(raw)
            except ValueError as exc:
                raise HTTPException(400, f"spans[{i}].{exc}") from None
            spans.append(span)
            updated.append(upd)
        deletions = []
        for i, raw in enumerate(dels_in):
            try:
                deletions.append(_deletion(raw))
            except ValueError as exc:
                raise HTTPException(400, f"deletions[{i}].{exc}") from None
        try:
            for dev in {device, *(s.device for s in spans), *(d[1] for d in deletions)}:
                state.history.claim_device(who.user, dev, name if dev == device else "")
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        if os_name:
            _set_os(state.db, device, os_name)
        written = state.history.put_spans(who.user, spans, updated)
        applied = sum(state.history.delete_range(who.user, *d) for d in deletions)
        state.totals_changed({who.user.id})
        SPANS.inc(written.written)
        return {"written": written.written, "unchanged": written.unchanged,
                "refused": written.refused, "deletions": applied}

    @app.get("/api/sync/v1/pull", tags=["sync"])
    def pull(who: Who, cursor: int = Query(0, ge=0, le=2**62),
             limit: int = Query(1000, ge=1, le=5000)) -> dict[str, Any]:
        """Changes after `cursor` (spans of every device, deletions), oldest first."""
        changes, new_cursor, more = state.history.changes(who.user, cursor, limit)
        return {"changes": changes, "cursor": new_cursor, "more": more}

    # -- WakaTime --------------------------------------------------------------------------

    async def bulk(request: Request, items: Any, who: Caller) -> Response:
        try:
            parsed = await run_in_threadpool(
                parse_heartbeats, items, user_agent=request.headers.get("user-agent"),
                limit=MAX_BULK)
        except HeartbeatError as exc:
            raise HTTPException(400, str(exc)) from None
        good = [p for p in parsed if not isinstance(p, HeartbeatError)]
        ids = iter(await _record(state, who, request.headers.get("x-machine-name"), good)
                   if good else [])
        responses, stored = [], 0
        for i, item in enumerate(parsed):
            if isinstance(item, HeartbeatError):
                responses.append([{"error": str(item)}, 400])
            elif isinstance(span_id := next(ids), Exception):
                responses.append([{"error": f"[{i}]: {not_stored(span_id)}"}, 400])
            else:
                stored += 1
                responses.append([{"data": {**item.to_dict(), "id": span_id}}, 201])
        return _json({"responses": responses}, 201 if stored or not parsed else 400)

    @app.post(f"{WAKA}/heartbeats.bulk", tags=["wakatime"], status_code=201,
              responses=BAD_INPUT)
    async def heartbeats_bulk(request: Request, body: Annotated[list[Any], Body()],
                              who: Who) -> Response:
        return await bulk(request, body, who)

    @app.post(f"{WAKA}/heartbeats", tags=["wakatime"], status_code=201, responses=BAD_INPUT)
    # wakatime<14 posts its bulk to /api/v1
    @app.post("/api/v1", tags=["wakatime"], status_code=201, responses=BAD_INPUT)
    async def heartbeats(request: Request, body: Annotated[dict[str, Any] | list[Any], Body()],
                         who: Who) -> Response:
        """One heartbeat, or a list (as heartbeats.bulk). Single heartbeats with a known key
        are usually answered by `OneHeartbeat`, in front of FastAPI, the same way."""
        if isinstance(body, list):
            return await bulk(request, body, who)
        return await _one_heartbeat(state, who, body, request.headers.get("user-agent"),
                                    request.headers.get("x-machine-name"))

    @app.get(f"{WAKA}/live", tags=["live"], response_class=StreamingResponse, responses={
        200: {"content": {"text/event-stream": {}}, "description": "A stream of events"}})
    async def live(request: Request) -> StreamingResponse:
        """Today's totals (and per project) now and whenever they change, as Server-Sent
        Events (`event: totals`); by API key or the web page's session cookie."""
        user = _session_user(state, request.cookies.get("tf_session"))
        if user is None:
            user = (await _caller(request)).user
        return StreamingResponse(state.live.stream(user), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    app.include_router(read_routes(state.reports, _caller, lambda user: _admit_public(
        state, user)))
    app.include_router(achievement_routes(_caller))
    for router in team_api.routers(state.reports, _caller, _session_user):
        app.include_router(router)
    app.include_router(commit_routes(db, state.reports, _caller))
    app.include_router(held_routes(db, state.history, _caller))
    app.include_router(dashboard_routes(state.reports, state.digests))

    # -- leaderboard and the user's page ---------------------------------------------------

    @app.get("/api/v1/leaders", tags=["leaderboard"])
    def leaders(language: str | None = Query(None, max_length=128)) -> dict[str, Any]:
        board = leaderboard(state.history, state.reports)
        return {"week": board["week"], "language": language,
                "data": board["languages"].get(language, []) if language else board["overall"]}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, language: str | None = None) -> HTMLResponse:
        board = leaderboard(state.history, state.reports)
        session = sessions.of(request)
        user = session.user if session else None
        totals = today_totals(state.reports, user) if user is not None else None
        return HTMLResponse(web.page(board, language, user, totals, csrf.field(session)))

    for router in (login_routes(), account_routes(), badge_routes()):
        app.include_router(router)

    @app.post("/api/v1/users/current/settings", tags=["account"], responses=BAD_INPUT)
    def settings(body: Annotated[dict[str, Any], Body()], who: Who
                 ) -> dict[str, Any]:
        """Opt in or out: weekly_email (bool), leaderboard (hidden|public|anonymous),
        timezone (IANA), email."""
        return web.apply_settings(who.user, body)

    return app


def _json(data: Any, status: int) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


class Observe:
    """Refuses bodies over the limit, announced or streamed (chunked: 413), and bodies that
    do not arrive within `body_timeout` seconds (408), closing their connections; counts and
    times requests per route (a plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a
    task per request)."""

    def __init__(self, app: ASGIApp, max_body: int, body_timeout: float) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        size = dict(scope["headers"]).get(b"content-length", b"")
        if size.isdigit() and int(size) > self.max_body:
            if int(size) <= DRAIN_BYTES:  # so the sender reads the 413 (a larger one: RST)
                await _drain(receive, deadline, DRAIN_BYTES)
            await _refusal(413, "body too large")(scope, receive, send)
            return
        began = time.perf_counter()
        status, started, received, complete = 500, False, 0, False

        async def limited() -> Message:
            """The body, within its size and time limits (FastAPI passes HTTPException on);
            what follows it (a disconnect) is waited for without a deadline."""
            nonlocal received, complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _late(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body:
                    raise HTTPException(413, "body too large", headers=CLOSE)
            return message

        async def observed(message: Message) -> None:
            nonlocal status, started, complete
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                if status == 413 and not complete:  # ours, or a route's (FastAPI answers
                    await _drain(receive, deadline, DRAIN_BYTES)  # its HTTPException itself)
                    complete = True  # so that the sender reads the 413, not a broken pipe
            await send(message)

        try:
            await self.app(scope, limited, observed)
        except HTTPException as exc:
            if exc.status_code not in (408, 413) or started:
                raise
            await _refusal(exc.status_code, exc.detail)(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - began
            name = getattr(scope.get("route"), "path", None) or scope.get("tf.route",
                                                                          "unmatched")
            REQUESTS.labels(name, str(status)).inc()
            LATENCY.labels(name).observe(elapsed)
            if status >= 500 or elapsed > 1:
                log.warning("request", extra={"method": scope["method"], "path": name,
                                              "status": status, "ms": round(elapsed * 1000, 1)})


CLOSE = {"Connection": "close"}  # the rest of a refused body is not read


async def _drain(receive: Receive, deadline: float, most: int) -> None:
    """Read and drop the rest of a refused body, up to `most` bytes or the deadline: a client
    still sending when the connection closes sees a broken pipe instead of the answer."""
    drained = 0
    with suppress(TimeoutError):
        async with asyncio.timeout_at(deadline):
            while drained <= most:
                message = await receive()
                if message["type"] != "http.request":
                    return
                drained += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return


def _refusal(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=CLOSE)


def _late(seconds: float) -> HTTPException:
    return HTTPException(408, f"request body not received within {seconds:g} s",
                         headers=CLOSE)


class OneHeartbeat:
    """POST /heartbeats with one heartbeat (every editor plugin's hot path) without FastAPI's
    routing, dependency and validation layers, which cost more than the rest of the request.
    Anything else (a list, a body that is not a JSON object, a key not verified recently)
    goes on to the FastAPI route, which answers the same way."""

    def __init__(self, app: ASGIApp, state: State, path: str) -> None:
        self.app, self.state, self.path = app, state, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        key = key_from_header(headers.get("authorization")) or \
            parse_qs(scope.get("query_string", b"").decode("latin-1")).get("api_key", [None])[0]
        who = self.state.keys.cached(key)
        json_body = "json" in headers.get("content-type", "json")
        try:
            data = orjson.loads(body) if who and json_body else None
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        scope["tf.route"] = self.path
        try:
            response = await _one_heartbeat(self.state, _admit(self.state, who), data,
                                            headers.get("user-agent"),
                                            headers.get("x-machine-name"))
        except HTTPException as exc:
            response = JSONResponse({"detail": errors.printable(exc.detail)}, exc.status_code,
                                    exc.headers)
        await response(scope, receive, send)


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool = True
          ) -> str | None:
    """The string field `name` of a push, 1 to `limit` characters that can be stored."""
    value = body.get(name)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise HTTPException(400, f"{name}: expected a string of 1 to {limit} characters")
    try:
        return checked_text(name, value)
    except HeartbeatError as exc:
        raise HTTPException(400, str(exc)) from None


def _deletion(raw: Any) -> tuple[str, str, float, float, float]:
    if not isinstance(raw, dict):
        raise ValueError("expected an object")
    try:
        u = str(uuidlib.UUID(str(raw.get("uuid"))))
    except ValueError:
        raise ValueError("uuid: not a UUID") from None
    device = raw.get("device")
    if not isinstance(device, str) or not 0 < len(device) <= 64:
        raise ValueError("device: expected a string")
    checked_text("device", device)
    nums = []
    for name in ("start", "end", "created"):
        v = raw.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 4e9:
            raise ValueError(f"{name}: expected a time")
        nums.append(float(v))
    if nums[1] <= nums[0]:
        raise ValueError("end: not after start")
    return u, device, nums[0], nums[1], nums[2]
