"""Sway and Hyprland IPC over real Unix sockets, answered by small stand-in servers speaking
their protocols (no compositor runs here); replies are shaped like the real ones."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.window.test_wayland import SWAY_TREE
from watchers.window import WatcherUnavailable
from watchers.window.compositor_ipc import hyprland_socket, sway_socket
from watchers.window.wayland import create_wayland_watcher

HYPR_ACTIVE = {"address": "0x5a1", "class": "jetbrains-pycharm",
               "title": "webshop – cart.py", "pid": 4321, "fullscreen": 0, "xwayland": True}


@contextlib.contextmanager
def serve(path: Path, handle) -> Iterator[None]:
    """A Unix socket server at `path` handing each connection to `handle`, in a thread."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    server.settimeout(0.1)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        server.close()


def sway_handler(conn: socket.socket) -> None:
    """i3-ipc: answer GET_TREE requests on one connection until the client leaves."""
    while True:
        header = conn.recv(14)
        if len(header) < 14:
            return
        magic, length, kind = struct.unpack("=6sII", header)
        assert magic == b"i3-ipc" and kind == 4 and length == 0
        body = json.dumps(SWAY_TREE).encode()
        conn.sendall(struct.pack("=6sII", b"i3-ipc", len(body), 4) + body)


def hyprland_handler(conn: socket.socket) -> None:
    assert conn.recv(100) == b"j/activewindow"
    conn.sendall(json.dumps(HYPR_ACTIVE, indent=2).encode())


@pytest.fixture
def sway(tmp_path) -> Iterator[dict[str, str]]:
    path = tmp_path / "sway-ipc.sock"
    with serve(path, sway_handler):
        yield {"SWAYSOCK": str(path)}


@pytest.fixture
def hyprland(tmp_path) -> Iterator[dict[str, str]]:
    path = tmp_path / "hypr" / "abc123" / ".socket.sock"
    path.parent.mkdir(parents=True)
    env = {"HYPRLAND_INSTANCE_SIGNATURE": "abc123", "XDG_RUNTIME_DIR": str(tmp_path)}
    with serve(path, hyprland_handler):
        yield env


def test_sway_over_its_socket(sway):
    assert sway_socket(sway) == sway["SWAYSOCK"]
    watcher = create_wayland_watcher("wayland-sway", which=lambda tool: None, env=sway)
    try:
        for _ in range(3):  # one connection, several requests
            info = watcher.active_window()
            assert (info.app, info.title, info.fullscreen) == ("Slack", "Slack | general", True)
    finally:
        watcher.close()


def test_hyprland_over_its_socket(hyprland):
    assert hyprland_socket(hyprland).endswith("hypr/abc123/.socket.sock")
    watcher = create_wayland_watcher("wayland-hyprland", which=lambda tool: None, env=hyprland)
    info = watcher.active_window()
    assert (info.app, info.title, info.pid) == ("jetbrains-pycharm", "webshop – cart.py", 4321)
    assert watcher.name == "window.hyprland"


def test_sway_socket_gone(tmp_path):
    path = tmp_path / "gone.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))  # exists, but nobody listens
    watcher = create_wayland_watcher("wayland-sway", which=lambda tool: None,
                                     env={"SWAYSOCK": str(path)})
    with pytest.raises(WatcherUnavailable, match="Sway IPC socket"):
        watcher.active_window()
