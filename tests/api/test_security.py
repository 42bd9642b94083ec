"""Hostile requests over real sockets: each gets a 4xx and nothing reaches the store."""

from __future__ import annotations

import base64
import socket
import time

import pytest

from desktop.engine.api.security import CHROME_EXTENSION_IDS
from desktop.engine.api.server import ApiServer
from tests.api.conftest import send

BULK = "/api/v1/users/current/heartbeats.bulk"
ONE = "/api/v1/users/current/heartbeats"
OURS = f"chrome-extension://{next(iter(CHROME_EXTENSION_IDS))}"


def good(offset: float = 0.0) -> dict:
    return {"entity": "/home/me/app/main.py", "time": time.time() - 60 + offset,
            "project": "app", "language": "Python"}


def hostile(running) -> list[tuple[str, int, object]]:
    """(what, status, reply) for every hostile request, sent in turn."""
    port, key = running.port, running.key
    out = []

    def check(what, reply, status):
        out.append((what, reply.status, reply))
        assert reply.status == status, (what, reply.status, reply.body)
        assert reply.json()["error"]

    check("no key", send(port, "POST", ONE, good()), 401)
    check("wrong key", send(port, "POST", ONE, good(), key="9b2c8c1e-2a4f-4b6f-8f59-0f2a1c3d4e5f"),
          401)
    check("garbage auth", send(port, "POST", ONE, good(), headers={
        "Authorization": "Basic !!!not-base64"}), 401)
    check("key in a wrong query", send(port, "POST", ONE + "?api_key=nope", good()), 401)
    check("web page origin", send(port, "POST", ONE, good(), key=key,
                                  headers={"Origin": "https://evil.example"}), 403)
    check("other extension", send(port, "POST", ONE, good(), key=key,
                                  headers={"Origin": "chrome-extension://abcdefghijklmnop"}), 403)
    check("null origin", send(port, "POST", ONE, good(), key=key, headers={"Origin": "null"}),
          403)
    check("preflight", send(port, "OPTIONS", ONE, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}), 403)
    check("no-cors page request", send(port, "GET", "/today", key=key,
                                       headers={"Sec-Fetch-Site": "cross-site"}), 403)
    check("DNS rebinding", send(port, "POST", ONE, good(), key=key,
                                headers={"Host": f"evil.example:{port}"}), 403)
    huge = b'[' + b",".join([b'{"entity": "/x.py", "time": 1}'] * 70_000) + b']'
    assert len(huge) > 2 * 2**20
    check("huge body", send(port, "POST", BULK, key=key, raw=huge), 413)
    check("malformed JSON", send(port, "POST", ONE, key=key, raw=b'{"entity": "/x.py", "time'),
          400)
    check("not UTF-8", send(port, "POST", ONE, key=key, raw=b'\xff\xfe{}'), 400)
    check("empty body", send(port, "POST", ONE, key=key, raw=b''), 400)
    for field, value in [("time", "yesterday"), ("entity", 42), ("lineno", [1]),
                         ("is_write", "perhaps"), ("type", "folder"), ("project", {"x": 1})]:
        reply = send(port, "POST", ONE, {**good(), field: value}, key=key)
        check(f"wrong type {field}", reply, 400)
        assert reply.json()["field"] == field, reply.body
    for when in (time.time() + 7 * 86400, time.time() - 5 * 365 * 86400, 0, -1):
        reply = send(port, "POST", ONE, {**good(), "time": when}, key=key)
        check(f"time {when}", reply, 400)
        assert reply.json()["field"] == "time"
    reply = send(port, "POST", BULK, [{**good(), "time": "soon"}, {"entity": ""}], key=key)
    check("bulk of bad heartbeats", reply, 400)
    assert [r[1] for r in reply.json()["responses"]] == [400, 400]
    assert reply.json()["responses"][0][0]["field"] == "[0].time"
    check("bulk that is an object", send(port, "POST", BULK, good(), key=key), 400)
    check("unknown route", send(port, "GET", "/api/v1/users/current/secrets", key=key), 404)
    check("wrong method", send(port, "DELETE", ONE, key=key), 405)
    check("probing routes without the key", send(port, "GET", "/api/v1/users/current/x"), 401)
    return out


def test_hostile_requests_get_4xx_and_store_nothing(running):
    results = hostile(running)
    assert len(results) > 25
    assert running.spans() == []
    with running.engine.store._read() as conn:  # nothing half-accepted either
        assert conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0] == 0


def test_the_same_requests_with_the_right_credentials_are_accepted(running):
    port, key = running.port, running.key
    assert send(port, "POST", ONE, good(), key=key).status == 201
    assert send(port, "POST", ONE + f"?api_key={key}", good(30)).status == 201
    bearer = send(port, "POST", ONE, good(40), headers={"Authorization": f"Bearer {key}"})
    assert bearer.status == 201
    user_colon = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    assert send(port, "POST", ONE, good(50), headers={"Authorization": user_colon}).status == 201
    ours = send(port, "POST", ONE, good(55), key=key, headers={"Origin": OURS})
    assert ours.status == 201 and ours.headers["access-control-allow-origin"] == OURS
    firefox = "moz-extension://0b7e9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c"
    assert send(port, "POST", ONE, good(57), key=key, headers={"Origin": firefox}).status == 201
    pre = send(port, "OPTIONS", ONE, headers={"Origin": OURS,
                                              "Access-Control-Request-Method": "POST"})
    assert pre.status == 204 and "Authorization" in pre.headers["access-control-allow-headers"]
    assert send(port, "GET", "/today", key=key, headers={"Host": f"localhost:{port}"}).status \
        == 200
    (span,) = running.spans()
    assert span.file == "/home/me/app/main.py"
    assert span.end - span.start == pytest.approx(57, abs=0.5)


def test_rate_limit_answers_429_with_retry_after(running):
    api = ApiServer(running.engine, port=0, rate=1.0, burst=5)
    api.start()
    try:
        statuses = [send(api.port, "GET", "/today", key=api.key) for _ in range(8)]
    finally:
        api.stop()
    assert [r.status for r in statuses[:5]] == [200] * 5
    limited = [r for r in statuses if r.status == 429]
    assert limited and all(int(r.headers["retry-after"]) >= 1 for r in limited)


def test_loopback_only(running):
    assert running.engine.api._httpd.server_address[0] == "127.0.0.1"
    with pytest.raises(ValueError, match="loopback"):
        ApiServer(running.engine, port=0, host="0.0.0.0")
    # another address of this machine does not answer
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        own = probe.getsockname()[0]
    finally:
        probe.close()
    if own.startswith("127."):
        pytest.skip("this machine has no non-loopback address")
    with pytest.raises(OSError):
        socket.create_connection((own, running.port), timeout=2).close()


def test_chunked_body_is_refused(running):
    sock = socket.create_connection(("127.0.0.1", running.port))
    try:
        auth = base64.b64encode(running.key.encode()).decode()
        sock.sendall((f"POST {ONE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").encode())
        head = sock.recv(4096).decode()
    finally:
        sock.close()
    assert head.startswith("HTTP/1.0 411")
    assert running.spans() == []
