"""Property-based fuzz of the local API over real HTTP on 127.0.0.1, with the key: whatever the
method, path, query, content type or body (random JSON with huge integers, NaN and lone
surrogates, heartbeat-shaped objects, random bytes, deep nesting), every answer is 2xx or 4xx,
never 5xx, and the API keeps serving."""

from __future__ import annotations

import json
import time
from collections import Counter
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.api.server import ApiServer
from tests.api.conftest import send

ONE = "/api/v1/users/current/heartbeats"
BULK = "/api/v1/users/current/heartbeats.bulk"
READ = "/api/v1/users/current"
PATHS = [ONE, BULK, "/api/v1", "/api/v1/browser/tab", "/api/v1/browser/blocked",
         "/api/v1/focus", f"{READ}/plugins/errors", "/today", READ, f"{READ}/summaries",
         f"{READ}/durations", f"{READ}/projects", f"{READ}/goals", f"{READ}/goals/x",
         f"{READ}/stats", f"{READ}/stats/last_7_days", f"{READ}/status_bar/today",
         f"{READ}/all_time_since_today", "/api/v1/users/me/summaries", "/nope", "/"]
FIELDS = ["entity", "time", "type", "category", "project", "branch", "language", "lines",
          "lineno", "cursorpos", "is_write", "dependencies", "line_additions",
          "line_deletions", "project_root_count", "url", "title", "browser", "incognito",
          "focused", "audible", "idle", "plugin", "error_message"]
QUERY = ["start", "end", "date", "range", "project", "branches", "timezone", "q", "slice_by",
         "api_key", "timeout", "writes_only"]

texts = st.text(max_size=40) | st.sampled_from(
    ["\ud800", "/h/\udfff.py", "", " ", "\x00", "a" * 5000, "today", "last_7_days",
     "2026-12-05", "Python", "file", "app", "https://example.org/", "chrome-extension://x"])
numbers = (st.integers(-(10**400), 10**400) | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([2**53 + 1, -1, 0, 1e308, time.time(), time.time() + 86400]))
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=20)
heartbeat_like = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
json_bodies = st.one_of(json_values, heartbeat_like, st.lists(heartbeat_like, max_size=5))


def encode(value) -> bytes:
    """JSON as a client might send it: NaN and Infinity as Python writes them, lone
    surrogates as \\u escapes."""
    return json.dumps(value, allow_nan=True).encode()


bodies = st.one_of(
    json_bodies.map(encode),
    st.binary(max_size=200),
    st.integers(1, 200_000).map(lambda n: b"[" * n),
    st.integers(1, 50_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.none())
content_types = st.sampled_from([None, "application/json", "text/plain",
                                 "text/plain; charset=latin-1", "multipart/form-data",
                                 "application/x-www-form-urlencoded", "\u00e9/\u00e9"])
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
paths = st.sampled_from(PATHS) | st.text(max_size=30).map(lambda t: "/" + quote(t))
POSTS = [ONE, BULK, "/api/v1", "/api/v1/browser/tab", "/api/v1/browser/blocked",
         f"{READ}/plugins/errors"]
# Half the requests go where they are meant to (a POST of a body, a GET of a read route).
targets = (st.sampled_from([("POST", p) for p in POSTS] * 3
                           + [("GET", p) for p in PATHS if p not in POSTS])
           | st.tuples(methods, paths))
queries = st.dictionaries(st.sampled_from(QUERY), texts, max_size=3)


def test_any_request_is_answered_2xx_or_4xx_and_the_api_keeps_serving(running):
    api = ApiServer(running.engine, port=0, rate=1e6, burst=10**6)  # no 429 hides a 5xx
    api.start()
    seen: Counter[int] = Counter()

    @settings(max_examples=1000, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(target=targets, query=queries, body=bodies, content_type=content_types)
    def any_request(target, query, body, content_type):
        method, path = target
        url = path + ("?" + urlencode(query, encoding="utf-8", errors="surrogatepass")
                      if query else "")
        headers = {"Content-Type": content_type} if content_type else {}
        reply = send(api.port, method, url, key=api.key, raw=body, headers=headers)
        seen[reply.status] += 1
        assert 200 <= reply.status < 500, (method, url, body and body[:200], reply.status,
                                           reply.body[:300])

    try:
        any_request()
        beat = {"entity": "/after/fuzz.py", "time": time.time() - 30, "project": "after"}
        assert send(api.port, "POST", ONE, beat, key=api.key).status == 201
        assert send(api.port, "GET", "/today", key=api.key).status == 200
    finally:
        api.stop()
    print("answers:", dict(sorted(seen.items())))
