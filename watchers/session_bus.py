"""Method calls on the D-Bus session bus over one persistent connection (jeepney), with the
`gdbus` command line tool as the fallback where jeepney is missing.

A `gdbus` call starts a process (about 10 ms and 5 ms of CPU); the GNOME watchers call twice
a second, so they keep a connection open instead (well under a millisecond a call).
"""

from __future__ import annotations

import contextlib
from typing import Any

from watchers import gdbus
from watchers.window.base import WatcherUnavailable

TIMEOUT = 2.0


class SessionBus:
    """`bus.call(dest, path, "interface.Method", *args)` -> the reply's body tuple.

    int arguments are sent as ``u`` (uint32), str as ``s``. Raises WatcherUnavailable when
    the bus or the service cannot answer; the next call reconnects.
    """

    def __init__(self) -> None:
        self._conn: Any = None

    def call(self, dest: str, path: str, method: str, *args: int | str) -> tuple[Any, ...]:
        try:
            from jeepney import DBusAddress, MessageType, new_method_call
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            return gdbus.call(dest, path, method, *map(str, args))
        interface, _, member = method.rpartition(".")
        signature = "".join("u" if isinstance(a, int) else "s" for a in args)
        message = new_method_call(DBusAddress(path, bus_name=dest, interface=interface), member,
                                  signature or None, args)
        if self._conn is None:
            try:
                self._conn = open_dbus_connection(bus="SESSION")
            except KeyError as exc:
                raise WatcherUnavailable("no D-Bus session bus "
                                         "(DBUS_SESSION_BUS_ADDRESS is not set)") from exc
            except Exception as exc:  # refused, authentication failed...
                raise WatcherUnavailable(f"cannot connect to the D-Bus session bus: {exc}") from exc
        try:
            reply = self._conn.send_and_get_reply(message, timeout=TIMEOUT)
        except (OSError, TimeoutError) as exc:  # the bus went away, or the service hangs
            self.close()
            raise WatcherUnavailable(f"D-Bus call {method} failed: {exc!r}") from exc
        if reply.header.message_type == MessageType.error:
            from jeepney import HeaderFields

            name = reply.header.fields.get(HeaderFields.error_name, "error")
            detail = reply.body[0] if reply.body else ""
            raise WatcherUnavailable(f"D-Bus call {method} failed: {name}: {detail}")
        return tuple(reply.body)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
