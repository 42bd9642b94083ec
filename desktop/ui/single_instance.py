"""One app per TimeForged home: a local socket that later starts talk to."""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.engine.digests import sha1

TIMEOUT_MS = 1000


def server_name(home: Path) -> str:
    """A per-user, per-home name, so test homes never meet the real app."""
    key = f"{getpass.getuser()}:{home.resolve()}".encode()
    return "timeforged-" + sha1(key).hexdigest()[:16]


def send(name: str, message: str) -> bool:
    """Deliver `message` to a running instance; False if none answers."""
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


class SingleInstance(QObject):
    """Owns the socket once `listen()` succeeds; `message` fires for each line received."""

    message = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # A socket left behind by a crashed instance: nobody answered `send`, so remove it.
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        while sock.canReadLine():
            line = bytes(sock.readLine().data()).decode(errors="replace").strip()
            sock.write(b"ok\n")
            sock.flush()
            if line:
                self.message.emit(line)
