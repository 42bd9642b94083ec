"""Requests that are not well-formed HTTP, over real sockets (desktop/engine/api/http1.py): each
gets its status and a JSON error (or its connection closed), nothing is stored, and other
clients keep being served, slow and partial requests included."""

from __future__ import annotations

import base64
import json
import select
import socket
import threading
import time

import pytest

from desktop.engine.api.server import ApiServer
from tests.api.conftest import send

ONE = "/api/v1/users/current/heartbeats"


def exchange(port: int, data: bytes, *, hang_up: bool = False) -> bytes:
    """Send `data` (then end our side if `hang_up`); all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        if hang_up:
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(60)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def parsed(reply: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1.0 "), reply
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def error(reply: bytes) -> tuple[int, str]:
    status, headers, body = parsed(reply)
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    return status, json.loads(body)["error"]


def stored(api: ApiServer) -> int:
    with api.engine.store._read() as conn:
        return conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0]


def beat(name: str) -> bytes:
    return json.dumps({"entity": f"/src/{name}.py", "time": time.time() - 60,
                       "project": "p"}).encode()


def post(api: ApiServer, body: bytes, extra: str = "") -> bytes:
    auth = base64.b64encode(api.key.encode()).decode()
    return (f"POST {ONE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n").encode() + body


def heartbeats_succeed(api: ApiServer, count: int = 3) -> list[int]:
    return [send(api.port, "POST", ONE, {"entity": f"/other/{i}.py", "time": time.time() - 60,
                                         "project": "other"}, key=api.key).status
            for i in range(count)]


@pytest.mark.parametrize(("request_line", "status", "message"), [
    (b"GET /today HTTP/2.0", 505, "Invalid HTTP version (2.0)"),
    (b"GET /today HTTP/1.1.1", 400, "Bad request version ('HTTP/1.1.1')"),
    (b"GET /today FTP/1.0", 400, "Bad request version ('FTP/1.0')"),
    (b"GET /today HTTP/\xb9.1", 400, "Bad request version ('HTTP/\u00b9.1')"),
    (b"POST /today", 400, "Bad HTTP/0.9 request type ('POST')"),
    (b"GET /a b HTTP/1.1", 400, "Bad request syntax ('GET /a b HTTP/1.1')"),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414, "Request-URI Too Long"),
])
def test_a_bad_request_line_gets_its_status_and_a_json_error(api, request_line, status,
                                                             message):
    reply = exchange(api.port, request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    assert error(reply) == (status, message)


@pytest.mark.parametrize(("headers", "status", "message"), [
    (b"X-Long: " + b"a" * 70_000 + b"\r\n", 431, "Line too long"),
    (b"".join(b"X-%d: 1\r\n" % i for i in range(150)), 431, "Too many headers"),
    (b"".join(b"X-%d: %s\r\n" % (i, b"a" * 4000) for i in range(20)), 431,
     "headers: larger than 65536 bytes"),
    (b"No colon here\r\n", 400, "Bad header line ('No colon here')"),
    (b"Bad Name: x\r\n", 400, "Bad header line ('Bad Name: x')"),
    (b": no name\r\n", 400, "Bad header line (': no name')"),
    (b" folded before any field\r\n", 400, "Bad header line (' folded before any field')"),
])
def test_bad_headers_get_their_status_and_store_nothing(api, headers, status, message):
    body = beat("bad")
    request = post(api, body, f"Content-Length: {len(body)}\r\n")
    at = request.index(b"\r\n") + 2  # right after the request line
    reply = exchange(api.port, request[:at] + headers + request[at:])
    assert error(reply) == (status, message)
    assert stored(api) == 0
    assert heartbeats_succeed(api) == [201] * 3


def test_a_truncated_body_is_a_400_and_nothing_is_stored(api):
    body = beat("cut")
    reply = exchange(api.port, post(api, body[:10], f"Content-Length: {len(body)}\r\n"),
                     hang_up=True)
    assert error(reply) == (400, f"body: 10 bytes, not the {len(body)} its Content-Length "
                                 "announced")
    assert stored(api) == 0


def test_two_different_content_lengths_are_a_400(api):
    body = beat("twice")
    reply = exchange(api.port, post(api, body, f"Content-Length: {len(body)}\r\n"
                                               f"Content-Length: {len(body) - 5}\r\n"))
    assert error(reply) == (400, "Content-Length: sent twice, with different values")
    assert stored(api) == 0
    same = post(api, body, f"Content-Length: {len(body)}\r\ncontent-length: {len(body)}\r\n")
    assert parsed(exchange(api.port, same))[0] == 201


def test_headers_are_case_insensitive_trimmed_and_folded_lines_joined(api):
    body = beat("folded")
    auth = base64.b64encode(api.key.encode()).decode()
    request = (f"POST {ONE} HTTP/1.1\nhost:127.0.0.1  \nAUTHORIZATION:\tBasic\n {auth}\n"
               f"content-length: {len(body)}\n\n").encode() + body
    status, _, answer = parsed(exchange(api.port, request))
    assert status == 201, answer
    assert stored(api) == 1


def test_a_request_closed_before_its_line_ends_gets_no_answer(api):
    assert exchange(api.port, b"", hang_up=True) == b""
    assert exchange(api.port, b"\r\n", hang_up=True) == b""
    assert heartbeats_succeed(api) == [201] * 3


def test_an_http_09_request_is_answered_with_a_status_line(api):
    status, headers, _ = parsed(exchange(api.port, b"GET /today\r\n\r\n"))
    assert status == 401 and headers["server"].startswith("TimeForged ")


def test_a_head_request_gets_headers_only(api):
    auth = base64.b64encode(api.key.encode()).decode()
    reply = exchange(api.port, f"HEAD /today HTTP/1.1\r\nAuthorization: Basic {auth}\r\n"
                               "\r\n".encode())
    status, headers, body = parsed(reply)
    assert status == 405 and int(headers["content-length"]) > 0 and body == b""


def test_many_partial_requests_block_no_other_client(running):
    """Slowloris: 40 connections each send part of a request and then nothing. Heartbeats from
    another client succeed while none of the 40 is answered yet; then each partial request
    gets its 408 (or, having sent nothing, is closed) when the request timeout is up."""
    slow = ApiServer(running.engine, port=0, request_timeout=10)
    slow.start()
    request = post(slow, beat("slow"), "Content-Length: 200\r\n")
    cuts = [0, 5, len(b"POST " + ONE.encode()) + 3, request.index(b"Authorization"),
            len(request) - 2, len(request)]
    socks = []
    try:
        for i in range(40):
            sock = socket.create_connection(("127.0.0.1", slow.port))
            sock.sendall(request[:cuts[i % len(cuts)]])
            socks.append(sock)
        assert heartbeats_succeed(slow, 5) == [201] * 5
        assert select.select(socks, [], [], 0)[0] == []  # served before any slow one
        replies = [b""] * len(socks)

        def read(i: int) -> None:
            socks[i].settimeout(60)
            while chunk := socks[i].recv(65536):
                replies[i] += chunk

        readers = [threading.Thread(target=read, args=(i,)) for i in range(len(socks))]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    finally:
        for sock in socks:
            sock.close()
        slow.stop()
    for i, reply in enumerate(replies):
        if cuts[i % len(cuts)] == 0:
            assert reply == b""
        else:
            assert error(reply) == (408, "request: not received within 10 s"), reply
    assert stored(slow) == 5
