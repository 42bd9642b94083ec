"""Our X11 protocol client (watchers/xproto.py): the Xauthority parser on recorded bytes, and
the client against real Xvfb servers (cookies made by xauth, properties set by python-xlib,
X errors, a server that goes away and comes back)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.xsession import XSession, stop_process
from watchers import xproto
from watchers.window.x11_text import decode_property
from watchers.xproto import (
    FAMILY_INTERNET,
    FAMILY_LOCAL,
    FAMILY_WILD,
    Connection,
    XauthEntry,
    XError,
    XSetupError,
    find_cookie,
    parse_display,
    parse_xauthority,
)

# `xauth -f F add :7 MIT-MAGIC-COOKIE-1 00112233445566778899aabbccddeeff` on host "vm", then
# `add otherhost/unix:3 ... ffeeddccbbaa99887766554433221100` and
# `add 192.168.1.20:0 ... 0102030405060708090a0b0c0d0e0f10`: the file's bytes.
RECORDED = bytes.fromhex(
    "0100 0002 766d 0001 3700 124d 4954 2d4d 4147 4943 2d43 4f4f 4b49 452d 3100 1000"
    "1122 3344 5566 7788 99aa bbcc ddee ff01 0000 096f 7468 6572 686f 7374 0001 3300"
    "124d 4954 2d4d 4147 4943 2d43 4f4f 4b49 452d 3100 10ff eedd ccbb aa99 8877 6655"
    "4433 2211 0000 0000 04c0 a801 1400 0130 0012 4d49 542d 4d41 4749 432d 434f 4f4b"
    "4945 2d31 0010 0102 0304 0506 0708 090a 0b0c 0d0e 0f10")
COOKIE = b"MIT-MAGIC-COOKIE-1"


def test_xauthority_parser_on_recorded_bytes():
    assert parse_xauthority(RECORDED) == [
        XauthEntry(FAMILY_LOCAL, b"vm", b"7", COOKIE,
                   bytes.fromhex("00112233445566778899aabbccddeeff")),
        XauthEntry(FAMILY_LOCAL, b"otherhost", b"3", COOKIE,
                   bytes.fromhex("ffeeddccbbaa99887766554433221100")),
        XauthEntry(FAMILY_INTERNET, bytes([192, 168, 1, 20]), b"0", COOKIE,
                   bytes(range(1, 17))),
    ]
    # A file cut anywhere keeps the whole entries before the cut.
    assert len(parse_xauthority(RECORDED[:-1])) == 2
    assert len(parse_xauthority(RECORDED[:0x32])) == 1
    assert parse_xauthority(b"") == [] and parse_xauthority(b"\x01") == []


def test_cookie_matching():
    entries = parse_xauthority(RECORDED)
    assert find_cookie(entries, [(FAMILY_LOCAL, b"vm")], 7) == entries[0].data
    assert find_cookie(entries, [(FAMILY_LOCAL, b"vm")], 3) is None  # another display
    assert find_cookie(entries, [(FAMILY_LOCAL, b"otherhost")], 3) == entries[1].data
    assert find_cookie(entries, [(FAMILY_INTERNET, bytes([192, 168, 1, 20]))], 0) == \
        entries[2].data
    # In order of the addresses asked for; a wildcard family, or no number, matches any.
    assert find_cookie(entries, [(FAMILY_LOCAL, b"nope"), (FAMILY_LOCAL, b"otherhost")],
                       3) == entries[1].data
    wild = XauthEntry(FAMILY_WILD, b"", b"", COOKIE, b"w" * 16)
    assert find_cookie([wild], [(FAMILY_LOCAL, b"anyhost")], 42) == b"w" * 16
    other = XauthEntry(FAMILY_LOCAL, b"vm", b"7", b"XDM-AUTHORIZATION-1", b"x" * 16)
    assert find_cookie([other], [(FAMILY_LOCAL, b"vm")], 7) is None


def test_display_names():
    assert parse_display(":0") == ("", 0, 0)
    assert parse_display(":12.1") == ("", 12, 1)
    assert parse_display("unix:3") == ("", 3, 0)
    assert parse_display("localhost:10.0") == ("localhost", 10, 0)
    assert parse_display("::1:2") == ("::1", 2, 0)
    for bad in ("", "0", ":", ":x", "host:1.y"):
        with pytest.raises(ValueError):
            parse_display(bad)


# -- against real X servers -----------------------------------------------------------------


def start_xvfb(*args: str, display: str | None = None) -> tuple[subprocess.Popen, str]:
    """A bare Xvfb (on `display`, or the first free number), ready; stop it with stop_process."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [shutil.which("Xvfb") or "Xvfb", *([display] if display else []), "-displayfd",
         str(write_fd), "-noreset", *args], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        stop_process(xvfb)
        raise RuntimeError(f"Xvfb {display or ''} did not start")
    return xvfb, f":{number}"


@pytest.fixture
def authorized_xvfb(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An Xvfb that requires a cookie (its -auth file made by xauth, listening on TCP too);
    (display, the Xauthority file)."""
    server_auth = tmp_path / "server.xauth"
    for number in range(180, 260):
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        subprocess.run(["xauth", "-f", str(server_auth), "add", f":{number}",
                        "MIT-MAGIC-COOKIE-1", "0123456789abcdef0123456789abcdef"], check=True,
                       capture_output=True)
        try:
            xvfb, display = start_xvfb("-auth", str(server_auth), "-listen", "tcp",
                                       display=f":{number}")
        except RuntimeError:
            server_auth.unlink()
            continue  # taken meanwhile
        try:
            yield display, server_auth
        finally:
            stop_process(xvfb)
        return
    pytest.skip("no free display number for an authorized Xvfb")


@pytest.mark.x11
def test_authentication_with_a_cookie(authorized_xvfb, tmp_path, monkeypatch):
    display, auth = authorized_xvfb
    number = display[1:]
    monkeypatch.setenv("XAUTHORITY", str(auth))
    conn = Connection(display)
    try:
        assert conn.root and conn.get_input_focus().reply() in (0, 1, conn.root)
    finally:
        conn.close()
    # Over TCP to this machine xauth's entry (hostname/unix:N) is the one that counts.
    conn = Connection(f"127.0.0.1:{number}")
    try:
        assert conn.intern_atoms(["WM_NAME"]) == [39]
    finally:
        conn.close()

    wrong = tmp_path / "wrong.xauth"
    subprocess.run(["xauth", "-f", str(wrong), "add", display, "MIT-MAGIC-COOKIE-1",
                    "ffffffffffffffffffffffffffffffff"], check=True, capture_output=True)
    monkeypatch.setenv("XAUTHORITY", str(wrong))
    with pytest.raises(XSetupError, match="refused"):
        Connection(display)
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "missing"))  # no file: no cookie sent
    with pytest.raises(XSetupError, match="refused"):
        Connection(display)


@pytest.fixture
def conn(x_session: XSession) -> Iterator[Connection]:
    c = Connection()
    yield c
    c.close()


@pytest.fixture
def xlib_window(x_session: XSession):
    """A window of python-xlib's (an independent client) to hold test properties."""
    from Xlib.display import Display

    d = Display(x_session.display)
    screen = d.screen()
    window = screen.root.create_window(0, 0, 10, 10, 0, screen.root_depth)
    yield d, window
    d.close()


@pytest.mark.x11
def test_text_and_number_properties(conn, xlib_window):
    d, window = xlib_window
    utf8, latin1 = "Ünïcødé — 日本語 🙂", "Café crème"
    names = ("_NET_WM_NAME", "UTF8_STRING", "WM_NAME", "STRING", "_TF_NUMBERS", "CARDINAL",
             "_TF_SHORTS", "_TF_UNSET")
    window.change_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"), 8,
                           utf8.encode())
    window.change_property(d.intern_atom("WM_NAME"), d.intern_atom("STRING"), 8,
                           latin1.encode("latin-1"))
    window.change_property(d.intern_atom("_TF_NUMBERS"), d.intern_atom("CARDINAL"), 32,
                           [1, 2, 0xFFFFFFFF])
    window.change_property(d.intern_atom("_TF_SHORTS"), d.intern_atom("CARDINAL"), 16,
                           [7, 65535])
    d.sync()

    atoms = dict(zip(names, conn.intern_atoms(names), strict=True))
    assert atoms["WM_NAME"] == 39 and atoms["STRING"] == 31 and atoms["CARDINAL"] == 6
    wid = window.id
    asked = ("_NET_WM_NAME", "WM_NAME", "_TF_NUMBERS", "_TF_SHORTS", "_TF_UNSET")
    cookies = [conn.get_property(wid, atoms[name]) for name in asked]
    # Sent together, read in any order.
    unset, shorts, numbers, wm_name, net_name = (c.reply() for c in reversed(cookies))
    assert net_name.kind == atoms["UTF8_STRING"] and net_name.format == 8
    assert decode_property(net_name.value, "UTF8_STRING") == utf8
    assert wm_name == (atoms["STRING"], 8, latin1.encode("latin-1"))
    assert decode_property(wm_name.value, "STRING") == latin1
    assert numbers == (atoms["CARDINAL"], 32, (1, 2, 0xFFFFFFFF))
    assert shorts == (atoms["CARDINAL"], 16, (7, 65535))
    assert unset == (0, 0, None)
    # Only up to long_length 4-byte units.
    assert conn.get_property(wid, atoms["WM_NAME"], long_length=1).reply().value == b"Caf\xe9"
    assert conn.query_tree(wid).reply()[:2] == (conn.root, conn.root)
    assert conn.intern_atoms(["_TF_NEVER_MADE_ANYWHERE"], only_if_exists=True) == [0]


@pytest.mark.x11
def test_x_error_replies(conn, xlib_window):
    _, window = xlib_window
    missing = window.id + 0x1000  # a resource id of python-xlib's client that it never made
    with pytest.raises(XError) as caught:
        conn.get_property(missing, 39).reply()
    assert caught.value.code == 3 and caught.value.value == missing  # BadWindow
    assert caught.value.major == 20 and "BadWindow" in str(caught.value)
    # Every reply of a batch is read before its error is raised: the next ones stay in step.
    with pytest.raises(XError):
        conn.replies([conn.get_property(window.id, 39), conn.get_property(missing, 39),
                       conn.get_input_focus()])
    assert conn.intern_atoms(["STRING"]) == [31]
    # A request without a reply: sync() raises its error.
    conn.send_event(missing, xproto.client_message(missing, 39, (0, 0, 0, 0, 0)), 0)
    with pytest.raises(XError, match="BadWindow"):
        conn.sync()
    conn.sync()


@pytest.mark.x11
def test_extensions_and_events_skipped(x_session, conn):
    assert conn.query_extension("RECORD") is not None
    assert conn.query_extension("NO-SUCH-EXTENSION") is None
    saver = conn.query_extension("MIT-SCREEN-SAVER")
    assert saver is not None and conn.screensaver_idle_ms(saver).reply() >= 0
    # A key xdotool must map first: every client gets MappingNotify events, unasked.
    x_session.xdotool("key", "U2603")
    assert conn.intern_atoms(["STRING", "WM_NAME"]) == [31, 39]


@pytest.mark.x11
def test_server_going_away_and_coming_back():
    xvfb, display = start_xvfb("-nolisten", "tcp")
    replacement = None
    try:
        conn = Connection(display)
        assert conn.intern_atoms(["WM_NAME"]) == [39]
        stop_process(xvfb)
        with pytest.raises(OSError):
            conn.get_input_focus().reply()
        conn.close()
        with pytest.raises(OSError):
            Connection(display)
        replacement, _ = start_xvfb("-nolisten", "tcp", display=display)
        conn = Connection(display)
        assert conn.get_input_focus().reply() in (0, 1, conn.root)
        conn.close()
    finally:
        stop_process(xvfb)
        if replacement is not None:
            stop_process(replacement)


def test_no_display_is_an_os_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(OSError, match="DISPLAY is not set"):
        Connection()
    with pytest.raises(OSError):
        Connection(f"{socket.gethostname()}:x")
