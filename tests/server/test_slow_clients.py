"""Slow, idle and oversized clients against a real server process: idle connections and
headers that do not arrive are closed (408 when part of a request came), a body that does not
arrive in time is a 408, a 100 MB chunked body is refused (413) without being read to its end,
and meanwhile another client's heartbeats keep being stored."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import post_heartbeat

LIMITS = {"header_timeout_seconds": "2", "body_timeout_seconds": "3", "keep_alive_seconds": "2"}
GIVE_UP = 30  # seconds a test waits for the server before calling it a failure


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[ServerProcess, str]]:
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    key = user_with_key(url)
    process = ServerProcess(url, tmp_path / "server.log", jobs_interval_seconds="0",
                            **LIMITS).start()
    try:
        yield process, key
    finally:
        process.stop()


class Meanwhile:
    """Another client posting heartbeats until stopped; every answer is kept."""

    def __init__(self, server: ServerProcess, key: str) -> None:
        self.server, self.key, self.statuses = server, key, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            beat = {"entity": f"/h/other{n}.py", "time": time.time() - 1000 + n}
            self.statuses.append(post_heartbeat(self.server.port, self.key, beat)[0])
            self._stop.wait(0.05)

    def __enter__(self) -> Meanwhile:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        assert self.statuses and set(self.statuses) == {201}, self.statuses


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP)


def _read_all(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (socket.timeout if it never
    does within GIVE_UP)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.timeout(120)
def test_idle_connections_and_slow_headers_are_closed(server):
    process, key = server
    with Meanwhile(process, key):
        idle = [_connect(process.port) for _ in range(20)]
        slow = _connect(process.port)
        slow.sendall(b"POST /api/v1/users/current/heartbeats HTTP/1.1\r\nHost: x\r\n")
        kept = _connect(process.port)  # one request, then left idle (keep-alive)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in idle:
            assert _read_all(sock) == b""  # closed without a word
        assert _read_all(slow).startswith(b"HTTP/1.1 408 ")
        assert _read_all(kept).startswith(b"HTTP/1.1 200 ")
        for sock in [*idle, slow, kept]:
            sock.close()


@pytest.mark.timeout(120)
def test_a_body_sent_one_byte_a_second_is_a_408(server):
    process, key = server
    with Meanwhile(process, key):
        sock = _connect(process.port)
        sock.sendall(b"POST /api/v1/users/current/heartbeats.bulk HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer " + key.encode() + b"\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        sock.settimeout(1)
        reply = b""
        for _ in range(GIVE_UP):  # one byte a second, until the server answers
            try:
                sock.sendall(b" ")
                reply = sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            break
        sock.close()
    assert reply.startswith(b"HTTP/1.1 408 "), reply
    assert b"connection: close" in reply.lower()


@pytest.mark.timeout(120)
def test_a_100_mb_chunked_body_is_refused_before_its_end(server):
    process, key = server
    chunk = b"%x\r\n%s\r\n" % (1 << 16, b"[" + b" " * ((1 << 16) - 1))
    total, sent, reply = 100 << 20, 0, b""
    with Meanwhile(process, key):
        sock = _connect(process.port)
        sock.sendall(b"POST /api/sync/v1/push HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer " + key.encode() + b"\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += 1 << 16
            sock.sendall(b"0\r\n\r\n")
            reply = _read_all(sock)
        except (BrokenPipeError, ConnectionResetError):  # refused while we were sending
            with contextlib.suppress(OSError):  # the reply may be lost with the reset
                reply = _read_all(sock)
        sock.close()
    print(f"\nthe server stopped the upload after {sent >> 20} MB of 100")
    assert sent < total
    assert reply == b"" or reply.startswith(b"HTTP/1.1 413 "), reply[:200]
