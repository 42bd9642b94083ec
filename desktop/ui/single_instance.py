"""One app per TimeForged home: a local socket that later starts talk to. On Unix it is a Unix
socket from the standard library (`unix_instance`); elsewhere (Windows' named pipes) Qt's
QLocalServer, loaded only there."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.engine.digests import sha1

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

    from desktop.ui.unix_instance import UnixInstance

TIMEOUT_MS = 1000
UNIX = os.name == "posix"


def server_name(home: Path) -> str:
    """A per-user, per-home name, so test homes never meet the real app."""
    key = f"{getpass.getuser()}:{home.resolve()}".encode()
    return "timeforged-" + sha1(key).hexdigest()[:16]


def send(name: str, message: str) -> bool:
    """Deliver `message` to a running instance; False if none answers."""
    if UNIX:
        from desktop.ui import unix_instance

        return unix_instance.send(name, message, TIMEOUT_MS / 1000)
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(TIMEOUT_MS):
        return False
    sock.write(message.encode() + b"\n")
    sock.flush()
    sock.waitForBytesWritten(TIMEOUT_MS)
    # Wait for the acknowledgement so the message is not lost when we exit.
    ok = sock.waitForReadyRead(TIMEOUT_MS) and bytes(sock.readAll().data()).startswith(b"ok")
    sock.disconnectFromServer()
    return ok


def single_instance(name: str, parent: QObject | None = None) -> UnixInstance | QtInstance:
    """The instance's server (not listening yet): `listen()`, `close()`, `error`, `message`."""
    if UNIX:
        from desktop.ui.unix_instance import UnixInstance

        return UnixInstance(name, parent)
    return QtInstance(name, parent)


class QtInstance(QObject):
    """Owns the socket once `listen()` succeeds; `message` fires for each line received."""

    message = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    @property
    def error(self) -> str:
        return self.server.errorString()

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # A socket left behind by a crashed instance: nobody answered `send`, so remove it.
        self.server.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(self._read)  # not a lambda holding self: unix_instance
            sock.disconnected.connect(sock.deleteLater)

    def _read(self) -> None:
        """A client sent something: the socket that says so is the sender."""
        sock: QLocalSocket = self.sender()
        while sock.canReadLine():
            line = bytes(sock.readLine().data()).decode(errors="replace").strip()
            sock.write(b"ok\n")
            sock.flush()
            if line:
                self.message.emit(line)
