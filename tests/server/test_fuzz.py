"""Schema-driven fuzzing (hypothesis) of the live OpenAPI spec: every operation with random
parameters and bodies. No 5xx, and whatever was stored is well formed. Then hostile requests
to a real server process over HTTP: never a 5xx, and it goes on serving."""

from __future__ import annotations

import http.client
import json
import math
import time
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import Api, post_heartbeat

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                  max_size=5),
    max_leaves=20)
span_like = st.fixed_dictionaries({
    "uuid": st.one_of(st.uuids().map(str), st.text(max_size=40)),
    "start": st.one_of(st.floats(0, 4e9), json_values),
    "end": st.one_of(st.floats(0, 4e9), json_values),
    "updated": st.floats(1e9, 2e9), "source": st.sampled_from(["window", "", "x" * 70]),
    "device": st.just("DEVICE"), "app": st.one_of(st.none(), st.text(max_size=30), json_values),
    "keystrokes": st.one_of(st.integers(-5, 2**40), json_values),
    "private": json_values})
beat_like = st.fixed_dictionaries({
    "entity": st.one_of(st.text(max_size=60), json_values),
    "time": st.one_of(st.floats(1.6e9, 1.9e9), st.text(max_size=12), json_values),
    "lineno": st.one_of(st.integers(), st.text(max_size=8)),
    "type": st.sampled_from(["file", "app", "domain", "url", "nope"]),
    "is_write": json_values})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_api(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/s.sqlite3"
    else:
        url = request.getfixturevalue("pg_cluster").create_database(f"fuzz{uuid.uuid4().hex}")
    api = Api(url, rate_per_second=1e6, rate_burst=10**6)
    _, headers = api.user("fuzz")
    api.headers = headers
    api.device = str(uuid.uuid4())
    yield api
    api.close()


def _operations(api):
    """Every operation but event streams, which never end by design (tests/server/test_live.py
    reads them with a deadline)."""
    spec = api.client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if "text/event-stream" in op.get("responses", {}).get("200", {}).get("content", {}):
                continue
            yield path, method, [p["name"] for p in op.get("parameters", [])]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_operation_never_5xx(fuzz_api, data):
    api = fuzz_api
    ops = list(_operations(api))
    path, method, params = data.draw(st.sampled_from(ops))
    query = {name: data.draw(st.one_of(st.text(max_size=20), st.integers(-10, 10**12).map(str)))
             for name in params if name != "name"}
    url = path.replace("{name}", data.draw(st.sampled_from(
        ["last_7_days", "all_time", "x", "last_year"])))
    kwargs = {"params": query, "headers": api.headers}
    if method == "post":
        if "push" in path:
            body = {"device": api.device,
                    "spans": [{**s, "device": api.device} for s in
                              data.draw(st.lists(span_like, max_size=4))],
                    "deletions": data.draw(st.lists(json_values, max_size=2))}
        elif "heartbeat" in path:
            body = data.draw(st.one_of(beat_like, st.lists(beat_like, max_size=5), json_values))
        else:
            body = data.draw(json_values)
        kwargs["json"] = body
    response = api.client.request(method.upper(), url, **kwargs)
    assert response.status_code < 500, (method, url, response.text[:300])


def test_nothing_malformed_was_stored(fuzz_api):
    rows = fuzz_api.db.execute('SELECT uuid, start, "end", keystrokes FROM span').fetchall()
    for u, a, b, keys in rows:
        assert str(uuid.UUID(u)) == u
        assert math.isfinite(a) and math.isfinite(b) and 0 < a <= b < 4e9 and keys >= 0


# -- hostile requests over real HTTP ---------------------------------------------------------

ROUTES = ["/api/v1/users/current/heartbeats", "/api/v1/users/current/heartbeats.bulk",
          "/api/v1", "/api/sync/v1/push", "/api/v1/users/current/settings",
          "/api/v1/users/current/plugins/errors"]
nasty_text = st.lists(st.sampled_from(["\ud800", "\udfff", "\x00", "a", "/h/", "é", "😀"])
                      | st.text(max_size=4), max_size=5).map("".join)
huge = st.integers(10**20, 10**400) | st.integers(-10**400, -10**20)
hostile = st.recursive(
    st.none() | st.booleans() | huge | st.integers(-2**63, 2**63) | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12)


def _beat(fields: dict) -> dict:
    return {"entity": "/h/a.py", "time": time.time(), **fields}


hostile_beat = st.dictionaries(st.sampled_from(
    ["entity", "time", "lines", "lineno", "cursorpos", "line_additions", "project",
     "dependencies", "user_agent", "type", "category", "is_write", "branch"]), hostile,
    max_size=3).map(_beat)
hostile_span = st.dictionaries(st.sampled_from(
    ["start", "end", "updated", "source", "device", "app", "title", "file", "keystrokes"]),
    hostile, max_size=3).map(lambda f: {"uuid": str(uuid.uuid4()), "start": 1.7e9,
                                        "end": 1.7e9 + 60, "updated": 1.7e9, "source": "window",
                                        "device": "DEV", **f})


def _dumps(value) -> bytes:
    """JSON text (lone surrogates as \\ud800 escapes, NaN as NaN, as a hostile client sends)."""
    return json.dumps(value).encode()


json_text = st.one_of(
    hostile.map(_dumps), hostile_beat.map(_dumps), st.lists(hostile_beat, max_size=3).map(_dumps),
    st.fixed_dictionaries({"device": st.just("DEV") | nasty_text,
                           "device_name": st.none() | nasty_text, "os": st.none() | nasty_text,
                           "spans": st.lists(hostile_span, max_size=2)}).map(_dumps),
    st.dictionaries(st.sampled_from(["email", "timezone", "daily_goal_minutes", "leaderboard"]),
                    hostile, max_size=2).map(_dumps))
bodies = st.one_of(
    json_text, st.binary(max_size=64),
    st.tuples(st.sampled_from([b"[", b'{"a":', b"[{\"x\":"]), st.integers(1, 200_000),
              st.booleans()).map(lambda t: t[0] * t[1] + (b"]" * t[1] if t[2] else b"")))
content_types = st.sampled_from([None, "application/json", "text/plain",
                                 "application/x-www-form-urlencoded", "application/vnd+json",
                                 "multipart/form-data; boundary=x", "application/json; charset=x"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_server(request, tmp_path_factory):
    """A real server process with a user and a key; yields (server, key)."""
    folder = tmp_path_factory.mktemp("live")
    if request.param == "sqlite":
        url = f"sqlite:///{folder}/s.sqlite3"
    else:
        url = request.getfixturevalue("pg_cluster").create_database(f"live{uuid.uuid4().hex}")
    key = user_with_key(url, "fuzz")
    server = ServerProcess(url, folder / "server.log", jobs_interval_seconds="0",
                           rate_per_second="1000000", rate_burst="1000000").start()
    try:
        yield server, key
    finally:
        server.stop()


def _send(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", path)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value.encode("latin-1"))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(route=st.sampled_from(ROUTES), body=bodies, content_type=content_types,
       agent=st.none() | st.text(st.characters(min_codepoint=32, max_codepoint=255,
                                                 exclude_characters="\x7f"), max_size=20))
@example(route=ROUTES[3], body=b'"\\ud800"', content_type="application/json", agent=None)
@example(route=ROUTES[3], body=b"[NaN]", content_type="application/json", agent=None)
@example(route=ROUTES[1], body=b"\xff\xfe{", content_type="text/plain", agent=None)
@example(route=ROUTES[3], body=_dumps({"device": "DEV", "spans": [
    {"uuid": str(uuid.uuid4()), "start": 10**400}]}), content_type=None, agent=None)
@example(route=ROUTES[3], body=_dumps({"device": "DEV", "spans": [
    {"uuid": str(uuid.uuid4()), "start": 1.7e9, "end": 1.7e9 + 1, "updated": 1.7e9,
     "source": "window", "device": "DEV", "app": "\ud800"}]}), content_type=None, agent=None)
@example(route=ROUTES[4], body=b'{"email": "a@\\ud800"}', content_type=None, agent=None)
@example(route=ROUTES[4], body=b'{"\\ud800": 1}', content_type=None, agent=None)
@example(route=ROUTES[5], body=b"[" * 100_000, content_type=None, agent=None)
def test_hostile_requests_never_5xx(live_server, route, body, content_type, agent):
    """Random JSON (huge ints, NaN, lone surrogate escapes, NUL), random bytes, deep nesting
    and odd content types against the write routes of a real server: 2xx or 4xx, never 5xx,
    and the reply is JSON that can be read."""
    server, key = live_server
    headers = {"Authorization": f"Bearer {key}"}
    if content_type:
        headers["Content-Type"] = content_type
    if agent is not None:
        headers["User-Agent"] = agent
    status, reply = _send(server.port, route, body, headers)
    assert status < 500, (route, body[:200], status, reply[:300])
    assert reply.startswith((b"{", b"[")), (status, reply[:300])


def test_still_serving_after_the_fuzz(live_server):
    server, key = live_server
    assert post_heartbeat(server.port, key, {"entity": "/h/after.py",
                                             "time": time.time()})[0] == 201
