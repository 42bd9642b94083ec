"""Slow, silent and oversized requests over real sockets: each gets a 4xx (or its connection
closed) within the API's request timeout, and other clients' heartbeats keep succeeding."""

from __future__ import annotations

import base64
import select
import socket
import threading
import time

import pytest

from desktop.engine.api.server import ApiServer
from tests.api.conftest import send

ONE = "/api/v1/users/current/heartbeats"
BULK = "/api/v1/users/current/heartbeats.bulk"


def head(api: ApiServer, extra: str, path: str = ONE) -> bytes:
    auth = base64.b64encode(api.key.encode()).decode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n").encode()


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(60)
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def heartbeats_succeed(api: ApiServer, count: int = 5) -> list[int]:
    return [send(api.port, "POST", ONE, {"entity": f"/other/{i}.py", "time": time.time() - 60,
                                         "project": "other"}, key=api.key).status
            for i in range(count)]


def test_a_body_that_never_arrives_is_a_408_and_others_are_served(api):
    with socket.create_connection(("127.0.0.1", api.port)) as sock:
        sock.sendall(head(api, "Content-Length: 1000\r\n"))
        assert heartbeats_succeed(api) == [201] * 5
        reply = answer(sock)
    assert status(reply) == 408, reply
    assert b"not received within 3 s" in reply


def test_an_oversized_body_is_refused_at_once_even_if_it_never_arrives(running):
    """Content-Length: 100 MiB and nothing sent: a 413 straight away (the size is enough to
    refuse it), not after a timeout. The server's timeout is longer than the client waits."""
    slow = ApiServer(running.engine, port=0, request_timeout=600)
    slow.start()
    try:
        with socket.create_connection(("127.0.0.1", slow.port)) as sock:
            sock.sendall(head(slow, "Content-Length: 104857600\r\n"))
            sock.settimeout(60)
            reply = sock.recv(65536)
        assert heartbeats_succeed(slow) == [201] * 5
    finally:
        slow.stop()
    assert status(reply) == 413, reply


def trickle(sock: socket.socket, data: bytes) -> bytes:
    """Send `data` one byte a second until the server answers; its answer."""
    for byte in data:
        sock.sendall(bytes([byte]))
        if select.select([sock], [], [], 1.0)[0]:
            return answer(sock)
    raise AssertionError(f"no answer after trickling {len(data)} bytes")


def test_a_client_sending_one_byte_a_second_gets_a_408_and_others_are_served(api):
    """One client trickles its headers, another its body (after its headers at once)."""
    body = b'{"entity": "/slow.py", "time": %d, "project": "slow"}' % (time.time() - 60)
    request = head(api, f"Content-Length: {len(body)}\r\n")
    replies: dict[str, bytes] = {}

    def slow(name: str, at_once: bytes, trickled: bytes) -> None:
        with socket.create_connection(("127.0.0.1", api.port)) as sock:
            sock.sendall(at_once)
            replies[name] = trickle(sock, trickled)

    clients = [threading.Thread(target=slow, args=("headers", b"", request + body)),
               threading.Thread(target=slow, args=("body", request, body))]
    for client in clients:
        client.start()
    served = []
    while any(client.is_alive() for client in clients):
        served += heartbeats_succeed(api, 1)
        time.sleep(0.2)
    for client in clients:
        client.join()
    assert status(replies["headers"]) == 408 and status(replies["body"]) == 408, replies
    assert served and set(served) == {201}


def test_idle_connections_are_closed_after_the_timeout(api):
    idle = [socket.create_connection(("127.0.0.1", api.port)) for _ in range(20)]
    try:
        assert heartbeats_succeed(api) == [201] * 5
        assert [answer(sock) for sock in idle] == [b""] * 20  # closed by the server
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("framing", ["chunked", "Content-Length"])
def test_a_100_mb_body_is_refused_and_others_are_served(running, framing):
    """100 MB, chunked or with its Content-Length, sent as fast as the client can: refused
    (411, 413) while another client's heartbeats succeed; the sender sees the answer."""
    big = ApiServer(running.engine, port=0, request_timeout=60)
    big.start()
    chunk = b"[" + b" " * (1 << 20) + b"]"
    replies: dict[str, bytes] = {}

    def sender() -> None:
        with socket.create_connection(("127.0.0.1", big.port)) as sock:
            if framing == "chunked":
                sock.sendall(head(big, "Transfer-Encoding: chunked\r\n", BULK))
                frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
                for _ in range(100):
                    sock.sendall(frame)
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(head(big, f"Content-Length: {100 * len(chunk)}\r\n", BULK))
                for _ in range(100):
                    sock.sendall(chunk)
            replies["big"] = answer(sock)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        served = []
        while thread.is_alive():
            served += heartbeats_succeed(big, 1)
        thread.join()
    finally:
        big.stop()
    assert status(replies["big"]) == (411 if framing == "chunked" else 413), replies
    assert served and set(served) == {201}
