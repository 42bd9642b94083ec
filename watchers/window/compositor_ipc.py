"""Sway's and Hyprland's IPC sockets, spoken directly (what `swaymsg` and `hyprctl` do), so a
poll costs a socket round trip instead of a process start.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Mapping

from watchers.window.base import WatcherUnavailable

I3_MAGIC = b"i3-ipc"
GET_TREE = 4
_I3_HEADER = struct.Struct("=6sII")  # magic, payload length, message type
TIMEOUT = 2.0


def sway_socket(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    path = env.get("SWAYSOCK") or env.get("I3SOCK")
    return path if path and os.path.exists(path) else None


def hyprland_socket(env: Mapping[str, str] | None = None) -> str | None:
    """Hyprland's request socket (under $XDG_RUNTIME_DIR since 0.40, /tmp before)."""
    env = os.environ if env is None else env
    signature = env.get("HYPRLAND_INSTANCE_SIGNATURE")
    if not signature:
        return None
    for base in (env.get("XDG_RUNTIME_DIR"), "/tmp"):
        path = os.path.join(base, "hypr", signature, ".socket.sock") if base else None
        if path and os.path.exists(path):
            return path
    return None


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the compositor closed the socket")
        data += chunk
    return data


class SwayIpc:
    """One connection to Sway's IPC socket, reopened after a failure."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._sock: socket.socket | None = None

    def get_tree(self) -> str:
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.settimeout(TIMEOUT)
                self._sock.connect(self.path)
            self._sock.sendall(_I3_HEADER.pack(I3_MAGIC, 0, GET_TREE))
            magic, length, kind = _I3_HEADER.unpack(_recv_exactly(self._sock, _I3_HEADER.size))
            if magic != I3_MAGIC or kind != GET_TREE:
                raise ConnectionError("unexpected reply on the Sway IPC socket")
            return _recv_exactly(self._sock, length).decode("utf-8", "replace")
        except OSError as exc:
            self.close()
            raise WatcherUnavailable(f"the Sway IPC socket {self.path} failed: {exc}") from exc

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


def hyprland_request(path: str, command: str) -> str:
    """Send one request (``j/activewindow``) and read the answer; Hyprland closes after it."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect(path)
            sock.sendall(command.encode())
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError as exc:
        raise WatcherUnavailable(f"the Hyprland socket {path} failed: {exc}") from exc
    return b"".join(chunks).decode("utf-8", "replace")
