"""HTTP/1.x on a socket for the local API: a request's line and headers read within a deadline,
an answer's status line and headers written.

The API answers HTTP/1.0, one request per connection (it did so on http.server too), so there
is no keep-alive or chunked framing to do here. Not http.server: it imports http.client, which
imports email and ssl, and ssl loads OpenSSL: 6 MiB of the idle tray app (issue 21). The request
line is parsed as http.server did, with its status codes and messages.
"""

from __future__ import annotations

import io
import re
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any, NamedTuple

MAX_LINE = 65536  # bytes of the request line, and of any one header line
MAX_FIELDS = 99  # header fields in a request (http.server: 100 lines with the empty one)
MAX_HEADER_BYTES = 65536  # all of a request's header lines together
SERVER_VERSION = "Python/" + sys.version.split()[0]  # after our name in the Server header
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a field name (RFC 9110 5.1)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class BadRequest(Exception):
    """A request that cannot be read as HTTP: answered with `status` and `message`, then the
    connection is closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Headers(Mapping[str, str]):
    """A request's header fields: names case-insensitive, a repeated field's first value (as
    http.server's email.message did); `get_all` gives every value."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = fields
        self._first: dict[str, str] = {}
        for name, value in fields:
            self._first.setdefault(name.lower(), value)

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for field, value in self.fields if field.lower() == name]


class Head(NamedTuple):
    """A request up to its body."""

    method: str
    target: str  # the path and query
    headers: Headers


class _UntilDeadline(io.RawIOBase):
    """A socket's bytes until `deadline` (time.monotonic()), then TimeoutError: a client
    trickling its request a byte at a time holds a thread no longer than one that stalls."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


def reader(sock: socket.socket, deadline: float) -> io.BufferedReader:
    """A buffered reader of `sock` that raises TimeoutError once `deadline` has passed."""
    return io.BufferedReader(_UntilDeadline(sock, deadline))


def read_head(rfile: io.BufferedReader) -> Head | None:
    """The request line and headers; None when the client sent none (closed, or a blank line).
    Raises BadRequest, or TimeoutError from `rfile`."""
    raw = rfile.readline(MAX_LINE + 1)
    if len(raw) > MAX_LINE:
        raise BadRequest(414, HTTPStatus(414).phrase)
    line = str(raw, "iso-8859-1").rstrip("\r\n")
    words = line.split()
    if not words:
        return None
    if len(words) >= 3:
        version = words[-1]
        number = _version(version)
        if number is None:
            raise BadRequest(400, f"Bad request version ({version!r})")
        if number >= (2, 0):
            raise BadRequest(505, f"Invalid HTTP version ({version[5:]})")
    if not 2 <= len(words) <= 3:
        raise BadRequest(400, f"Bad request syntax ({line!r})")
    method, target = words[:2]
    if len(words) == 2 and method != "GET":
        raise BadRequest(400, f"Bad HTTP/0.9 request type ({method!r})")
    if target.startswith("//"):  # a scheme-relative URL to a client: one slash is the path
        target = "/" + target.lstrip("/")
    return Head(method, target, _read_headers(rfile))


def _version(text: str) -> tuple[int, int] | None:
    """(major, minor) of "HTTP/major.minor" (digits, at most 10 each), else None."""
    if not text.startswith("HTTP/"):
        return None
    parts = text[5:].split(".")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _read_headers(rfile: io.BufferedReader) -> Headers:
    """Header lines up to the empty one (or the end of the stream). A folded line (obs-fold)
    continues the field before it, joined by a space (RFC 9112 5.2)."""
    fields: list[tuple[str, str]] = []
    size = 0
    while True:
        raw = rfile.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            raise BadRequest(431, "Line too long")
        size += len(raw)
        if size > MAX_HEADER_BYTES:
            raise BadRequest(431, f"headers: larger than {MAX_HEADER_BYTES} bytes")
        if raw in (b"\r\n", b"\n", b""):
            return Headers(fields)
        line = str(raw, "iso-8859-1").rstrip("\r\n")
        if line[0] in " \t" and fields:
            name, value = fields[-1]
            fields[-1] = (name, " ".join(filter(None, (value, line.strip(" \t")))))
            continue
        if len(fields) >= MAX_FIELDS:
            raise BadRequest(431, "Too many headers")
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadRequest(400, f"Bad header line ({line[:100]!r})")
        fields.append((name, value.strip(" \t")))


def http_date(when: float | None = None) -> str:
    """`when` (now by default) as an HTTP date: "Sun, 06 Dec 2026 09:30:00 GMT"."""
    t = time.gmtime(when)
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def response_head(status: int, server: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """An HTTP/1.0 answer's status line and headers, up to and with the empty line."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.0 {status} {phrase}", f"Server: {server} {SERVER_VERSION}",
             f"Date: {http_date()}", *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")
