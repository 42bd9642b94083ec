"""Bad input on SQLite and PostgreSQL: a 400 naming the field, nothing stored, and error
replies that never echo what cannot be encoded; the OpenAPI schema declares the 400s."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from server.errors import MAX_DEPTH
from tests.server.helpers import Api, span

PUSH = "/api/sync/v1/push"


@pytest.fixture
def api(database_url):
    api = Api(database_url)
    yield api
    api.close()


def _post(api: Api, path: str, body: object, headers: dict[str, str]):
    """`body` as JSON text: a lone surrogate goes as its escape (\\ud800), valid JSON."""
    return api.client.post(path, content=json.dumps(body).encode(),
                           headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("bad", ["/h/\ud800.py", "a\x00b"])
@pytest.mark.parametrize("field", ["app", "title", "file", "project", "source", "device"])
def test_push_refuses_text_it_cannot_store(api, field, bad):
    _, headers = api.user("ann")
    device = str(uuid.uuid4())
    good = span(time.time() - 600, time.time() - 300, device, app="Editor")
    wrong = {**span(time.time() - 200, time.time() - 100, device), field: bad}
    reply = _post(api, PUSH, {"device": device, "spans": [good, wrong]}, headers)
    assert reply.status_code == 400, reply.text
    assert reply.json()["detail"].startswith(f"spans[1].{field}: "), reply.text
    assert api.db.execute("SELECT COUNT(*) FROM span").fetchone()[0] == 0


@pytest.mark.parametrize("field", ["device", "device_name", "os"])
def test_push_refuses_a_surrogate_in_its_device(api, field):
    _, headers = api.user("ann")
    body = {"device": str(uuid.uuid4()), "spans": [], field: "pc\ud800"}
    reply = _post(api, PUSH, body, headers)
    assert reply.status_code == 400 and reply.json()["detail"].startswith(f"{field}: ")
    assert api.db.execute("SELECT COUNT(*) FROM device").fetchone()[0] == 0


def test_errors_never_echo_what_cannot_be_encoded(api):
    _, headers = api.user("ann")
    for path, body in [(PUSH, "\ud800"), ("/api/v1/users/current/settings", ["\ud800"]),
                       ("/api/v1/users/current/settings", {"\ud800": 1}),
                       ("/api/v1/users/current/settings", {"email": "a@\ud800"})]:
        reply = _post(api, path, body, headers)
        assert reply.status_code in (400, 422), (path, reply.text)
        assert "input" not in reply.text
    reply = api.client.post(PUSH, content=b"\xff\xfe{", headers={
        **headers, "Content-Type": "text/plain"})
    assert reply.status_code == 422
    for body in (b"[NaN]", b'{"device": Infinity}'):
        reply = api.client.post(PUSH, content=body, headers={
            **headers, "Content-Type": "application/json"})
        assert reply.status_code == 400 and "is not a JSON value" in reply.json()["detail"]


@pytest.mark.parametrize("path", [PUSH, "/api/v1/users/current/heartbeats.bulk",
                                  "/api/v1/users/current/heartbeats",
                                  "/api/v1/users/current/plugins/errors"])
def test_deep_nesting_is_a_400_naming_the_limit(api, path):
    _, headers = api.user("ann")
    headers["Content-Type"] = "application/json"
    for body in (b"[" * 10_000, b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)):
        reply = api.client.post(path, content=body, headers=headers)
        assert reply.status_code == 400, reply.text
        assert str(MAX_DEPTH) in reply.text or path.endswith("errors")
    shallow = b"[" * 100 + b"]" * 100
    assert api.client.post(PUSH, content=shallow, headers=headers).status_code == 422


def test_openapi_declares_the_400s(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    for path, method in [(PUSH, "post"), ("/api/v1/users/current/heartbeats", "post"),
                         ("/api/v1/users/current/heartbeats.bulk", "post"),
                         ("/api/v1", "post"), ("/api/v1/users/current/settings", "post"),
                         ("/api/v1/users/{user}/plugins/errors", "post"),
                         ("/api/v1/users/{user}/summaries", "get"),
                         ("/api/v1/users/{user}/durations", "get"),
                         ("/api/v1/users/{user}/stats/{name}", "get")]:
        assert "400" in paths[path][method]["responses"], (path, method)
