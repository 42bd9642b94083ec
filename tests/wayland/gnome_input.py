"""Run inside a GNOME Shell session (its source is passed to ``python3 -c``): real input
through a Mutter RemoteDesktop session (it lives as long as this D-Bus connection). The
arguments are ``click`` (the left button where the pointer is: the screen's middle) and/or
``key`` (the Shift key pressed and released)."""

import sys

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

BTN_LEFT, KEY_LEFTSHIFT = 272, 42
MUTTER = "org.gnome.Mutter.RemoteDesktop"

conn = open_dbus_connection(bus="SESSION")


def call(path, interface, method, signature=None, body=()):
    reply = conn.send_and_get_reply(new_method_call(
        DBusAddress(path, bus_name=MUTTER, interface=interface), method, signature, body))
    if reply.header.message_type.name == "error":
        raise SystemExit(f"{method}: {reply.body}")
    return reply.body


(session,) = call("/org/gnome/Mutter/RemoteDesktop", MUTTER, "CreateSession")
iface = f"{MUTTER}.Session"
call(session, iface, "Start")
for what in sys.argv[1:]:
    if what == "click":
        for pressed in (True, False):
            call(session, iface, "NotifyPointerButton", "ib", (BTN_LEFT, pressed))
    elif what == "key":
        for pressed in (True, False):
            call(session, iface, "NotifyKeyboardKeycode", "ub", (KEY_LEFTSHIFT, pressed))
call(session, iface, "Stop")
print("done")
