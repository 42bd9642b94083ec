"""The single-instance socket on Unix (Linux, macOS), from the standard library and Qt's event
loop: the tray does not load QtNetwork for it (2.8 MiB of an idle tray, issue 21). The socket
is where QLocalServer puts it ($TMPDIR or /tmp, then the name) and speaks the same lines, so an
app started before this change still answers a newer start, and the other way round."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat

from PySide6.QtCore import QObject, QSocketNotifier, Signal

MAX_LINE = 64 * 1024  # a client sending more without a newline is not one of ours: dropped


def socket_path(name: str) -> str:
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", name)


def send(name: str, message: str, timeout: float) -> bool:
    """Deliver `message` to a running instance and wait for its "ok" (so the message is not
    lost when we exit); False if none answers within `timeout` seconds."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(socket_path(name))
            sock.sendall(message.encode() + b"\n")
            reply = b""
            while b"\n" not in reply and (chunk := sock.recv(64)):
                reply += chunk
    except OSError:  # none listening, a socket left behind, or no answer in time
        return False
    return reply.startswith(b"ok")


class UnixInstance(QObject):
    """Owns the socket once `listen()` succeeds; `message` fires for each line received and
    each line is answered "ok"."""

    message = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = socket_path(name)
        self.error = ""  # why `listen()` failed
        self._server: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier, bytearray]] = {}

    def listen(self) -> bool:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                server.bind(self.path)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                # Left behind by a crashed instance: nobody answered `send`, so remove it.
                os.unlink(self.path)
                server.bind(self.path)
            os.chmod(self.path, stat.S_IRWXU)  # the user's only, before anyone can connect
            server.listen(8)
        except OSError as exc:
            server.close()
            self.error = exc.strerror or str(exc)
            return False
        server.setblocking(False)
        self._server = server
        self._notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        return True

    def close(self) -> None:
        for fd in list(self._clients):
            self._drop(fd)
        if self._server is not None:
            self._notifier.setEnabled(False)
            self._server.close()
            self._server = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def _accept(self) -> None:
        while self._server is not None:
            try:
                conn, _ = self._server.accept()
            except OSError:  # BlockingIOError: none waiting
                return
            conn.setblocking(False)
            fd = conn.fileno()
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            # A method of ours, not a lambda holding `self`: PySide would keep this object
            # alive from the connection, and a dropped client's notifier, deleted later, could
            # then hold its last reference, destroying us (and so itself again) mid-destructor.
            notifier.activated.connect(self._read)
            self._clients[fd] = (conn, notifier, bytearray())

    def _read(self) -> None:
        """A client's socket is readable: the notifier that says so is the sender."""
        fd = self.sender().socket()
        if fd not in self._clients:
            return
        conn, _, buffer = self._clients[fd]
        try:
            chunk = conn.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            line = buffer[:end].decode(errors="replace").strip()
            del buffer[:end + 1]
            with contextlib.suppress(OSError):
                conn.send(b"ok\n")
            if line:
                self.message.emit(line)
        if not chunk or len(buffer) > MAX_LINE:
            self._drop(fd)

    def _drop(self, fd: int) -> None:
        conn, notifier, _ = self._clients.pop(fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        conn.close()
