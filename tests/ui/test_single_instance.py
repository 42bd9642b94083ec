"""The single-instance socket: a later start's message reaches the running app and is
acknowledged, a socket left by a crash is taken over, and the Unix socket (issue 21: no
QtNetwork in the tray) and Qt's QLocalServer/QLocalSocket understand each other, so apps from
before and after the change meet. Real sockets, Qt's event loop."""

from __future__ import annotations

import os
import socket
import stat
import threading
import weakref

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.ui import single_instance as si
from desktop.ui.unix_instance import MAX_LINE, UnixInstance, socket_path

pytestmark = [pytest.mark.x11,
              pytest.mark.skipif(not si.UNIX, reason="Unix sockets")]


@pytest.fixture
def name(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return "timeforged-test"


def send_in_thread(qtbot, name: str, message: str) -> bool:
    """`send` blocks for the answer, which the server gives from this thread's event loop."""
    result: list[bool] = []
    sender = threading.Thread(target=lambda: result.append(si.send(name, message)))
    sender.start()
    qtbot.waitUntil(lambda: not sender.is_alive(), timeout=10_000)
    return result[0]


def test_a_message_reaches_the_running_instance(qapp, qtbot, name):
    assert not si.send(name, "show-stats")  # none running
    instance = si.single_instance(name)
    assert isinstance(instance, UnixInstance)
    assert instance.listen(), instance.error
    received: list[str] = []
    instance.message.connect(received.append)
    try:
        assert stat.S_IMODE(os.stat(socket_path(name)).st_mode) == stat.S_IRWXU
        assert send_in_thread(qtbot, name, "show-stats")
        assert send_in_thread(qtbot, name, "show-stats")
        assert received == ["show-stats", "show-stats"]
    finally:
        instance.close()
    assert not os.path.exists(socket_path(name))


def test_a_socket_left_by_a_crash_is_taken_over(qapp, qtbot, name):
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(socket_path(name))
    left.close()  # the file stays, nobody listens
    assert not si.send(name, "show-stats")
    instance = si.single_instance(name)
    try:
        assert instance.listen(), instance.error
        assert send_in_thread(qtbot, name, "show-stats")
    finally:
        instance.close()


def test_a_client_without_newlines_is_dropped_and_others_served(qapp, qtbot, name):
    instance = si.single_instance(name)
    assert instance.listen(), instance.error
    received: list[str] = []
    instance.message.connect(received.append)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as rogue:
            rogue.connect(socket_path(name))
            rogue.sendall(b"x" * (MAX_LINE + 4096))
            qtbot.waitUntil(lambda: not instance._clients, timeout=10_000)
        assert send_in_thread(qtbot, name, "show-stats")
        assert received == ["show-stats"]
    finally:
        instance.close()


def test_the_unix_socket_and_qt_local_sockets_meet(qapp, qtbot, name):
    # An app from before the change (QLocalServer) answers a newer start ...
    old = QLocalServer()
    old.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
    assert old.listen(name), old.errorString()
    got: list[bytes] = []

    def answer() -> None:
        sock = old.nextPendingConnection()

        def read() -> None:
            while sock.canReadLine():
                got.append(bytes(sock.readLine().data()))
                sock.write(b"ok\n")
                sock.flush()
        sock.readyRead.connect(read)

    old.newConnection.connect(answer)
    try:
        assert old.fullServerName() == socket_path(name)
        assert send_in_thread(qtbot, name, "show-stats")
        assert got == [b"show-stats\n"]
    finally:
        old.close()
    # ... and an older start reaches a newer app.
    instance = si.single_instance(name)
    assert instance.listen(), instance.error
    received: list[str] = []
    instance.message.connect(received.append)
    try:
        client = QLocalSocket()
        client.connectToServer(name)
        assert client.waitForConnected(5000)
        client.write(b"show-stats\n")
        client.flush()
        qtbot.waitUntil(lambda: client.bytesAvailable() >= 3, timeout=10_000)
        assert bytes(client.readAll().data()) == b"ok\n"
        assert received == ["show-stats"]
        client.disconnectFromServer()
    finally:
        instance.close()


def test_a_closed_instance_dies_with_its_last_reference(qapp, qtbot, name):
    """Nothing of Qt's keeps a closed instance alive: its clients' notifiers, deleted later,
    hold no reference to it. (A lambda holding the instance did: the last reference then went
    inside such a notifier's destructor, whose parent's destruction deleted that notifier a
    second time: a segfault in a later test's event loop.)"""
    def serve_and_close() -> weakref.ref:
        instance = si.single_instance(name)
        assert instance.listen(), instance.error
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
            idle.connect(socket_path(name))  # still connected when the instance closes
            qtbot.waitUntil(lambda: len(instance._clients) == 1, timeout=10_000)
            assert send_in_thread(qtbot, name, "show-stats")
            instance.close()
        return weakref.ref(instance)

    alive = serve_and_close()
    assert alive() is None
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
