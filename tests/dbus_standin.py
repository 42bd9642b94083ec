"""A D-Bus service made with jeepney, standing in on a real bus for one that cannot run here
(GNOME Shell, a Plasma screen locker): owns their names and answers their methods."""

from __future__ import annotations

import threading

from jeepney import HeaderFields, Message, MessageType
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection


class StandIn:
    """Owns `names` on the session bus and answers each method call with `answer(msg, path,
    member)` on a thread of its own, until `close()`."""

    def __init__(self, *names: str) -> None:
        self.conn = open_dbus_connection(bus="SESSION")
        for name in names:
            self.conn.send_and_get_reply(message_bus.RequestName(name))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def answer(self, msg: Message, path: str | None, member: str | None) -> Message:
        raise NotImplementedError

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            if msg.header.message_type == MessageType.method_call:
                fields = msg.header.fields
                self.conn.send(self.answer(msg, fields.get(HeaderFields.path),
                                           fields.get(HeaderFields.member)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.conn.close()
