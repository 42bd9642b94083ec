"""A minimal Wayland client speaking the wire protocol directly over the compositor's socket.

Enough for the watchers' protocols (idle notification, wlr-foreign-toplevel): the registry,
binding globals, requests with int/uint/string/object/new_id arguments, and decoding events
whose arguments are listed per interface. No libwayland, no pywayland, no file descriptors
(none of these protocols pass any). Events are read without blocking, so a poll costs a recv.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable, Mapping
from typing import Any

from watchers.window.base import WatcherUnavailable

DISPLAY_ID = 1
SERVER_ID_MIN = 0xFF000000
TIMEOUT = 2.0

# Event signatures, by interface and opcode: i int, u uint, s string, a array, o object,
# n new_id (an object the compositor created). Events not listed are skipped.
EVENTS: dict[str, dict[int, str]] = {
    "wl_display": {0: "ous", 1: "u"},  # error, delete_id
    "wl_registry": {0: "usu", 1: "u"},  # global, global_remove
    "wl_callback": {0: "u"},  # done
}

Handler = Callable[[str, int, list[Any]], None]


def socket_path(env: Mapping[str, str] | None = None) -> str | None:
    """The compositor's socket from WAYLAND_DISPLAY (a name under XDG_RUNTIME_DIR, or a path)."""
    env = os.environ if env is None else env
    name = env.get("WAYLAND_DISPLAY") or ""
    if not name:
        return None
    if os.path.isabs(name):
        return name
    runtime = env.get("XDG_RUNTIME_DIR")
    return os.path.join(runtime, name) if runtime else None


def _pack_string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (-len(data) % 4)


def _decode(signature: str, body: bytes) -> list[Any]:
    args: list[Any] = []
    pos = 0
    for kind in signature:
        (value,) = struct.unpack_from("=I" if kind != "i" else "=i", body, pos)
        pos += 4
        if kind in "sa":
            data = body[pos:pos + value]
            pos += value + (-value % 4)
            args.append(data[:-1].decode("utf-8", "replace") if kind == "s" else data)
        else:
            args.append(value)
    return args


class WaylandClient:
    """One connection; `globals` maps interface -> (name, version) after connect()."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        path = socket_path(env)
        if path is None:
            raise WatcherUnavailable("WAYLAND_DISPLAY (or XDG_RUNTIME_DIR) is not set")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.settimeout(TIMEOUT)
            self._sock.connect(path)
        except OSError as exc:
            self._sock.close()
            raise WatcherUnavailable(f"cannot connect to the compositor at {path}: {exc}") from exc
        self._sock.setblocking(False)
        self._buffer = b""
        self._next_id = 2
        self.interfaces: dict[int, str] = {DISPLAY_ID: "wl_display"}
        self.handlers: dict[int, Handler] = {}
        self.globals: dict[str, tuple[int, int]] = {}
        self._synced: set[int] = set()
        self.closed = False
        self._registry = self.new_object("wl_registry", self._on_registry)
        self.request(DISPLAY_ID, 1, "n", self._registry)  # wl_display.get_registry
        self.roundtrip()

    def _on_registry(self, _iface: str, opcode: int, args: list[Any]) -> None:
        if opcode == 0:
            name, interface, version = args
            self.globals[interface] = (name, version)
        else:
            self.globals = {k: v for k, v in self.globals.items() if v[0] != args[0]}

    def new_object(self, interface: str, handler: Handler | None = None) -> int:
        oid, self._next_id = self._next_id, self._next_id + 1
        self.interfaces[oid] = interface
        if handler is not None:
            self.handlers[oid] = handler
        return oid

    def request(self, oid: int, opcode: int, signature: str = "", *args: Any) -> None:
        body = b""
        for kind, value in zip(signature, args, strict=True):
            body += _pack_string(value) if kind == "s" else struct.pack(
                "=i" if kind == "i" else "=I", value)
        header = struct.pack("=II", oid, ((8 + len(body)) << 16) | opcode)
        try:
            self._sock.setblocking(True)
            self._sock.settimeout(TIMEOUT)
            self._sock.sendall(header + body)
        except OSError as exc:
            self.closed = True
            raise WatcherUnavailable(f"the compositor connection failed: {exc}") from exc
        finally:
            self._sock.setblocking(False)

    def bind(self, interface: str, version: int, handler: Handler | None = None) -> int:
        """Bind the global `interface` at min(version, offered); raises if it is not offered."""
        if interface not in self.globals:
            raise WatcherUnavailable(f"the compositor does not offer {interface}")
        name, offered = self.globals[interface]
        oid = self.new_object(interface, handler)
        # wl_registry.bind(name, new_id: interface, version, id)
        self.request(self._registry, 0, "usuu", name, interface, min(version, offered), oid)
        return oid

    def roundtrip(self) -> None:
        """Send wl_display.sync and dispatch events until its callback is done."""
        callback = self.new_object("wl_callback", lambda _i, _o, _a: None)
        self.request(DISPLAY_ID, 0, "n", callback)
        deadline = time.monotonic() + TIMEOUT
        while callback not in self._synced:
            if time.monotonic() > deadline:
                raise WatcherUnavailable("the compositor did not answer within "
                                         f"{TIMEOUT:.0f} s")
            self._sock.setblocking(True)
            self._sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                self._read(block=True)
            finally:
                self._sock.setblocking(False)
        self._synced.discard(callback)

    def dispatch(self) -> None:
        """Handle every event already received; never blocks."""
        self._read(block=False)

    def _read(self, block: bool) -> None:
        try:
            while True:
                chunk = self._sock.recv(65536)
                if not chunk:
                    self.closed = True
                    raise WatcherUnavailable("the compositor closed the connection")
                self._buffer += chunk
                if block:
                    break
        except (BlockingIOError, InterruptedError):
            pass
        except TimeoutError:
            pass
        except OSError as exc:
            self.closed = True
            raise WatcherUnavailable(f"the compositor connection failed: {exc}") from exc
        self._handle_buffer()

    def _handle_buffer(self) -> None:
        while len(self._buffer) >= 8:
            oid, word = struct.unpack_from("=II", self._buffer)
            size, opcode = word >> 16, word & 0xFFFF
            if size < 8 or len(self._buffer) < size:
                return
            body, self._buffer = self._buffer[8:size], self._buffer[size:]
            interface = self.interfaces.get(oid)
            signature = EVENTS.get(interface or "", {}).get(opcode)
            if interface is None or signature is None:
                continue
            args = _decode(signature, body)
            if interface == "wl_display" and opcode == 0:
                raise WatcherUnavailable(f"Wayland protocol error on object {args[0]}: {args[2]}")
            if interface == "wl_callback":
                self._synced.add(oid)
            for kind, value in zip(signature, args, strict=True):
                if kind == "n":
                    self._adopt(interface, opcode, value)
            handler = self.handlers.get(oid)
            if handler is not None:
                handler(interface, opcode, args)

    def _adopt(self, interface: str, opcode: int, oid: int) -> None:
        """An object the compositor created in an event: its interface is the event's."""
        created = CREATED.get((interface, opcode))
        if created:
            self.interfaces[oid] = created

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self._sock.close()


# (interface, event opcode) -> the interface of the new_id that event carries.
CREATED: dict[tuple[str, int], str] = {}
