"""Schema-driven fuzzing (hypothesis) of the live OpenAPI spec: every operation with random
parameters and bodies. No 5xx, and whatever was stored is well formed."""

from __future__ import annotations

import math
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.helpers import Api

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
    spec = api.client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
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
