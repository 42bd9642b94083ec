"""Bad bodies over real sockets: a 400 for what is bad, nothing lost of what is good."""

from __future__ import annotations

import json
import socket
import time

import pytest

from desktop.engine.api.routes import MAX_DEPTH

BULK = "/api/v1/users/current/heartbeats.bulk"
ONE = "/api/v1/users/current/heartbeats"
PLUGIN_ERRORS = "/api/v1/users/current/plugins/errors"  # takes up to 64 KiB
JSON_ROUTES = [BULK, ONE, "/api/v1", "/api/v1/browser/tab", "/api/v1/browser/blocked",
               PLUGIN_ERRORS, "/api/v1/focus/start"]


def stored(running) -> int:
    with running.engine.store._read() as conn:
        return conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0]


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, b"[{}," * 50_000,
                                  b'[{"entity": "/x.py", "time": 1, "x": ' + b"[" * 5000])
def test_deep_nesting_is_a_400_on_every_json_route(running, body):
    for path in JSON_ROUTES:
        reply = running.call("POST", path, raw=body[:60_000] if path == PLUGIN_ERRORS else body)
        assert reply.status == 400, (path, reply.status, reply.body)
        assert reply.json() == {"error": f"body: JSON nested deeper than {MAX_DEPTH} levels",
                                "field": "body"}
    assert running.call("GET", "/today").status == 200


def test_nesting_up_to_the_limit_is_parsed(running):
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    body = f'{{"plugin": "vim", "error_message": "[[[[ in a string {"{" * 99}", "x": {deep}}}'
    reply = running.call("POST", PLUGIN_ERRORS, raw=body.encode())
    assert reply.status == 201, reply.body


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_bytes_that_are_not_utf8_are_a_400(running, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    for raw in (b"\xff\xfe[]", b'{"entity": "/h/\xe9.py", "time": 1}', b"\xc3"):
        reply = running.call("POST", ONE, raw=raw, headers=headers)
        assert reply.status == 400, reply.body
        assert reply.json()["error"].startswith("body: not UTF-8"), reply.body
    assert stored(running) == 0


def test_one_unstorable_heartbeat_in_a_bulk_loses_none_of_the_others(running):
    """10 good heartbeats and one with a lone surrogate (valid JSON): 400 for that one, 201 for
    the others, stored; the client resends the 10 and hears 202 (they are on disk)."""
    now = time.time()
    good = [{"entity": f"/h/{i}.py", "time": now - 300 + 10 * i, "project": "h"}
            for i in range(10)]
    bad = f'{{"entity": "/h/\\ud800.py", "time": {now - 250}}}'
    body = "[" + ",".join([json.dumps(b) for b in good[:5]] + [bad]
                          + [json.dumps(b) for b in good[5:]]) + "]"
    reply = running.call("POST", BULK, raw=body.encode())
    assert reply.status == 201, reply.body
    responses = reply.json()["responses"]
    assert [status for _, status in responses] == [201] * 5 + [400] + [201] * 5
    assert responses[5][0]["field"] == "[5].entity"
    assert stored(running) == 10
    again = running.call("POST", BULK, good)
    assert [status for _, status in again.json()["responses"]] == [202] * 10
    assert stored(running) == 10
    # the time between two heartbeats goes to the earlier one's file: /h/9.py has none yet
    assert {s.file for s in running.spans()} == {f"/h/{i}.py" for i in range(9)}


def test_unstorable_text_from_the_extension_is_a_400_and_the_next_tab_counts(running):
    tab = "/api/v1/browser/tab"
    for field in ("url", "title", "browser"):
        body = {"url": "https://example.org/a", "title": "A", "browser": "Firefox"}
        raw = json.dumps(body).replace(json.dumps(body[field]),
                                       json.dumps(body[field])[:-1] + '\\udc00"')
        reply = running.call("POST", tab, raw=raw.encode())
        assert reply.status == 400, (field, reply.body)
        assert reply.json()["field"] == field
    assert stored(running) == 0
    reply = running.call("POST", tab, {"url": "https://example.org/b", "title": "B"})
    assert reply.status == 201 and reply.json()["data"]["tracking"], reply.body
    assert stored(running) == 1


@pytest.mark.parametrize("request_line", [b"\xff\xfe", b"GET /\xff\xed\xa0\x80 HTTP/1.0",
                                          b"GET", b"GET /today HTTP/1.x"])
def test_broken_request_lines_get_a_json_400_with_a_status_line(running, request_line):
    with socket.create_connection(("127.0.0.1", running.port)) as sock:
        sock.sendall(request_line + b"\r\n\r\n")
        sock.settimeout(30)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400 "), reply
    assert b"Content-Type: application/json" in head
    assert json.loads(body.decode("ascii"))["error"]
