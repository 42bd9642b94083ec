"""A small X11 protocol client: the few requests the X11 watchers make, over a plain socket.

It connects to $DISPLAY (a Unix socket, or TCP port 6000+n of a host), authenticates with the
MIT-MAGIC-COOKIE-1 of the Xauthority file (none when it has no matching entry), and queues
requests without waiting: one with a reply returns a Cookie, whose reply() sends what is
queued and reads until that request's reply (or error) arrives, so that requests sent
together cost one round trip. No extension is initialised unless asked for
(QueryExtension); events, which this client never selects, are skipped.

Errors: an X error reply raises XError from reply(); a connection the server refuses or
closes raises an OSError (XSetupError, XConnectionClosed).
"""

from __future__ import annotations

# socket's C core: `import socket` costs ~2.5 ms of enum building, paid by every
# `timeforged now` (issue 21).
import _socket
import os
import struct
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

ANY_PROPERTY_TYPE = 0
# Event masks of SendEvent.
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
SUBSTRUCTURE_REDIRECT_MASK = 1 << 20
CLIENT_MESSAGE = 33
GENERIC_EVENT = 35
AUTH_NAME = b"MIT-MAGIC-COOKIE-1"
# Xauthority address families (Xauth.h).
FAMILY_INTERNET, FAMILY_INTERNET6, FAMILY_LOCAL, FAMILY_WILD = 0, 6, 256, 65535
X_TCP_PORT = 6000
ERROR_NAMES = {1: "BadRequest", 2: "BadValue", 3: "BadWindow", 4: "BadPixmap", 5: "BadAtom",
               6: "BadCursor", 7: "BadFont", 8: "BadMatch", 9: "BadDrawable", 10: "BadAccess",
               11: "BadAlloc", 12: "BadColor", 13: "BadGC", 14: "BadIDChoice", 15: "BadName",
               16: "BadLength", 17: "BadImplementation"}
_ORDER = b"l" if sys.byteorder == "little" else b"B"  # we speak the machine's byte order
_REPLY = struct.Struct("=BBHI")  # kind, detail, sequence, extra length (4-byte units)


class XError(Exception):
    """An X error reply: `code` (3: BadWindow...), the bad `value`, the request's opcodes."""

    def __init__(self, code: int, value: int, major: int, minor: int) -> None:
        self.code, self.value, self.major, self.minor = code, value, major, minor
        name = ERROR_NAMES.get(code, "error")
        super().__init__(f"{name} (code {code}) for request {major}.{minor}, value {value:#x}")


class XConnectionClosed(ConnectionError):
    """The X server closed the connection (it went away, or dropped this client)."""


class XSetupError(ConnectionError):
    """The X server refused the connection (authorization, or an unsupported protocol)."""


class XauthEntry(NamedTuple):
    family: int
    address: bytes
    number: bytes  # the display number, as ASCII digits
    name: bytes  # the authorization protocol, e.g. MIT-MAGIC-COOKIE-1
    data: bytes  # the cookie


class Property(NamedTuple):
    """A GetProperty reply. `value`: bytes for format 8, a tuple of ints for 16 and 32;
    `kind` 0 (and `value` None) where the window has no such property."""

    kind: int
    format: int
    value: Any


def parse_xauthority(data: bytes) -> list[XauthEntry]:
    """The entries of an Xauthority file: a family (CARD16) and four counted strings each
    (address, display number, auth name, auth data), big-endian. A truncated tail is dropped."""
    entries: list[XauthEntry] = []
    pos, end = 0, len(data)
    while pos + 2 <= end:
        (family,) = struct.unpack_from(">H", data, pos)
        pos += 2
        fields: list[bytes] = []
        for _ in range(4):
            if pos + 2 > end:
                return entries
            (size,) = struct.unpack_from(">H", data, pos)
            pos += 2
            if pos + size > end:
                return entries
            fields.append(data[pos:pos + size])
            pos += size
        entries.append(XauthEntry(family, *fields))
    return entries


def find_cookie(entries: list[XauthEntry], addresses: list[tuple[int, bytes]],
                number: int) -> bytes | None:
    """The MIT-MAGIC-COOKIE-1 of the first entry for one of `addresses` ((family, address),
    in order of preference; FamilyWild matches any) and display `number` (an entry without a
    number matches any), as libXau's XauGetBestAuthByAddr picks it."""
    wanted = str(number).encode()
    for family, address in addresses:
        for entry in entries:
            if entry.name != AUTH_NAME or entry.number not in (b"", wanted):
                continue
            if entry.family == FAMILY_WILD or (entry.family, entry.address) == (family, address):
                return entry.data
    return None


def parse_display(name: str) -> tuple[str, int, int]:
    """(host, display number, screen) of a display name "[host]:n[.screen]"; host "" for the
    local Unix socket ("unix" means it too)."""
    host, sep, rest = name.rpartition(":")
    if not sep or not rest:
        raise ValueError(f"bad X display name {name!r}")
    number, _, screen = rest.partition(".")
    if host in ("unix", "unix/"):
        host = ""
    try:
        return host, int(number), int(screen or 0)
    except ValueError:
        raise ValueError(f"bad X display name {name!r}") from None


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _xauthority() -> list[XauthEntry]:
    path = os.environ.get("XAUTHORITY") or os.path.join(os.path.expanduser("~"), ".Xauthority")
    try:
        with open(path, "rb") as f:
            return parse_xauthority(f.read())
    except OSError:
        return []  # no file: connect without authorization (Xvfb, xhost +local:...)


def _open_socket(host: str, number: int) -> tuple[Any, list[tuple[int, bytes]]]:
    """A connected socket to display `number` of `host`, and the Xauthority addresses that
    name it, best first."""
    hostname = _socket.gethostname().encode()
    if not host:
        path = f"/tmp/.X11-unix/X{number}"
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError:
            if not sys.platform.startswith("linux"):
                sock.close()
                raise
            # The abstract socket of the same name (an X server in a sandbox shares only it).
            sock.close()
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            try:
                sock.connect("\0" + path)
            except OSError:
                sock.close()
                raise
        return sock, [(FAMILY_LOCAL, hostname)]
    error: OSError | None = None
    for family, kind, proto, _, address in _socket.getaddrinfo(
            host, X_TCP_PORT + number, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(10.0)
            sock.connect(address)
            sock.settimeout(None)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        peer = _socket.inet_pton(family, address[0])
        if peer.startswith(b"\x7f") or peer == b"\0" * 15 + b"\1":
            # A loopback peer is this machine: xauth lists it under the host name.
            return sock, [(FAMILY_LOCAL, hostname)]
        return sock, [(FAMILY_INTERNET if family == _socket.AF_INET else FAMILY_INTERNET6,
                       peer)]
    raise error or OSError(f"cannot resolve {host}")


class Cookie:
    """A request sent (or queued); reply() waits for its answer."""

    __slots__ = ("_conn", "_parse", "sequence")

    def __init__(self, conn: Connection, sequence: int, parse: Callable[[bytes], Any]) -> None:
        self._conn, self.sequence, self._parse = conn, sequence, parse

    def reply(self) -> Any:
        return self._parse(self._conn.wait(self.sequence))


class Connection:
    """One connection to an X server (see the module's docstring)."""

    def __init__(self, display: str | None = None) -> None:
        """Connect to `display` (default $DISPLAY); OSError when that is impossible."""
        self.display = display or os.environ.get("DISPLAY", "")
        if not self.display:
            raise XSetupError("no X display: DISPLAY is not set")
        try:
            host, number, screen = parse_display(self.display)
        except ValueError as exc:
            raise XSetupError(str(exc)) from None
        self.sock, addresses = _open_socket(host, number)
        self._in = b""
        self._out: list[bytes] = []
        self._sequence = 0
        self._awaited: dict[int, bytes | XError | None] = {}  # 16-bit sequence: answer
        self._unchecked: XError | None = None
        self._next_id = 0
        self._extensions: dict[str, int | None] = {}
        try:
            self._setup(find_cookie(_xauthority(), addresses, number), screen)
        except BaseException:
            self.sock.close()
            raise

    def _setup(self, cookie: bytes | None, screen: int) -> None:
        name, data = (AUTH_NAME, cookie) if cookie is not None else (b"", b"")
        self.sock.sendall(struct.pack("=cxHHHHxx", _ORDER, 11, 0, len(name), len(data))
                          + _pad(name) + _pad(data))
        head = self._read(8)
        status, reason_size, _, _, size = struct.unpack("=BBHHH", head)
        body = self._read(size * 4)
        if status != 1:  # 0: failed, 2: more authentication wanted (none is offered)
            reason = body[:reason_size] if status == 0 else body.rstrip(b"\0")
            raise XSetupError(f"the X server {self.display} refused the connection: "
                              f"{reason.decode('latin-1').strip()}")
        self.resource_id_base, self.resource_id_mask = struct.unpack_from("=II", body, 4)
        vendor_size, _, screens, formats = struct.unpack_from("=HHBB", body, 16)
        if screen >= screens:
            raise XSetupError(f"the X server {self.display} has no screen {screen}")
        pos = 32 + vendor_size + (-vendor_size % 4) + 8 * formats
        for _ in range(screen):  # skip the screens before ours, with their depths and visuals
            depths = body[pos + 39]
            pos += 40
            for _ in range(depths):
                (visuals,) = struct.unpack_from("=H", body, pos + 2)
                pos += 8 + 24 * visuals
        (self.root,) = struct.unpack_from("=I", body, pos)

    # -- the wire ---------------------------------------------------------------------------
    def _read(self, size: int) -> bytes:
        while len(self._in) < size:
            chunk = self.sock.recv(max(8192, size - len(self._in)))
            if not chunk:
                raise XConnectionClosed(f"the X server {self.display} closed the connection")
            self._in += chunk
        data, self._in = self._in[:size], self._in[size:]
        return data

    def send(self, request: bytes) -> None:
        """Queue a request without a reply (whole, padded); sync() raises its error."""
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._out.append(request)

    def request(self, request: bytes, parse: Callable[[bytes], Any]) -> Cookie:
        """Queue a request with a reply; its cookie, whose reply() is `parse` of the reply."""
        self.send(request)
        self._awaited[self._sequence] = None
        return Cookie(self, self._sequence, parse)

    def flush(self) -> None:
        if self._out:
            data, self._out = b"".join(self._out), []
            self.sock.sendall(data)

    def wait(self, sequence: int) -> bytes:
        """The reply to the request of `sequence` (sent by request()); XError if it failed."""
        self.flush()
        awaited = self._awaited
        while awaited[sequence] is None:
            head = self._read(32)
            kind, _, seq, extra = _REPLY.unpack_from(head)
            if kind == 1:
                answer: bytes | XError = head + (self._read(extra * 4) if extra else b"")
            elif kind == 0:
                code, value, minor, major = struct.unpack_from("=xBxxIHB", head)
                answer = XError(code, value, major, minor)
            else:  # an event (none is selected, some come anyway: MappingNotify)
                if kind & 0x7F == GENERIC_EVENT and extra:
                    self._read(extra * 4)
                continue
            if seq in awaited:
                awaited[seq] = answer
            elif isinstance(answer, XError) and self._unchecked is None:
                self._unchecked = answer  # of a request without a reply: sync() raises it
        answer = awaited.pop(sequence)
        if isinstance(answer, XError):
            raise answer
        assert answer is not None
        return answer

    def replies(self, cookies: list[Cookie]) -> list[Any]:
        """The replies of `cookies`, every one read before the first error among them is
        raised (an answer left unread would stay in memory)."""
        answers: list[Any] = []
        error: XError | None = None
        for cookie in cookies:
            try:
                answers.append(cookie.reply())
            except XError as exc:
                error = error or exc
        if error is not None:
            raise error
        return answers

    def sync(self) -> None:
        """Wait until the server has handled everything sent (a GetInputFocus round trip);
        raises the first X error of a request without a reply since the last sync()."""
        self.get_input_focus().reply()
        error, self._unchecked = self._unchecked, None
        if error is not None:
            raise error

    def close(self) -> None:
        self.sock.close()

    def new_id(self) -> int:
        """A fresh resource id of this client."""
        self._next_id += 1
        shift = (self.resource_id_mask & -self.resource_id_mask).bit_length() - 1
        return self.resource_id_base | ((self._next_id << shift) & self.resource_id_mask)

    # -- core requests ----------------------------------------------------------------------
    def intern_atoms(self, names: tuple[str, ...] | list[str],
                     only_if_exists: bool = False) -> list[int]:
        """The atoms of `names`, asked together (one round trip); 0 for a name that does not
        exist when `only_if_exists`."""
        return self.replies([self.request(_named(16, only_if_exists, name.encode()),
                                          _card32_at_8) for name in names])

    def get_property(self, window: int, prop: int, kind: int = ANY_PROPERTY_TYPE,
                     long_length: int = 2048, *, delete: bool = False) -> Cookie:
        """GetProperty, up to `long_length` 4-byte units of its value; reply(): a Property."""
        return self.request(struct.pack("=BBHIIIII", 20, delete, 6, window, prop, kind, 0,
                                     long_length), _property)

    def get_input_focus(self) -> Cookie:
        """reply(): the focused window (0: None, 1: PointerRoot)."""
        return self.request(struct.pack("=BxH", 43, 1), _card32_at_8)

    def query_tree(self, window: int) -> Cookie:
        """reply(): (root, parent, children) of `window`."""
        return self.request(struct.pack("=BxHI", 15, 2, window), _tree)

    def send_event(self, destination: int, event: bytes, mask: int,
                   propagate: bool = False) -> None:
        """SendEvent of a 32-byte `event` (queued: flush() or a reply sends it)."""
        self.send(struct.pack("=BBHII", 25, propagate, 11, destination, mask) + event)

    def query_extension(self, name: str) -> int | None:
        """The major opcode of extension `name`, None where the server lacks it (cached)."""
        if name not in self._extensions:
            reply = self.request(_named(98, 0, name.encode()), bytes).reply()
            present, major = reply[8], reply[9]
            self._extensions[name] = major if present else None
        return self._extensions[name]

    # -- extensions -------------------------------------------------------------------------
    def screensaver_idle_ms(self, major: int) -> Cookie:
        """MIT-SCREEN-SAVER QueryInfo on the root window (`major`: the extension's opcode);
        reply(): milliseconds since the last input."""
        return self.request(struct.pack("=BBHI", major, 1, 2, self.root), _card32_at_16)

    def record_create_context(self, major: int, device_events: tuple[int, int]) -> int:
        """RECORD CreateContext for every client's device events of the types in the range
        `device_events`, nothing else; the context's id (queued: flush() or sync())."""
        context = self.new_id()
        ranges = struct.pack("=BB BB BBHH BBHH BB BB BB BB", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                             0, 0, 0, *device_events, 0, 0, 0, 0)
        all_clients = 3
        self.send(struct.pack("=BBHIBxxxIII", major, 1, 5 + 1 + 6, context, 0, 1, 1,
                              all_clients) + ranges)
        return context

    def record_enable_context(self, major: int, context: int) -> None:
        """RECORD EnableContext: from now on every byte this connection receives is the
        context's replies (read them from `sock`). Sent at once."""
        self.send(struct.pack("=BBHI", major, 5, 2, context))
        self.flush()

    def record_disable_context(self, major: int, context: int) -> None:
        """RECORD DisableContext (sent at once): the data connection's stream ends."""
        self.send(struct.pack("=BBHI", major, 6, 2, context))
        self.flush()


def client_message(window: int, kind: int, data: tuple[int, int, int, int, int]) -> bytes:
    """A ClientMessage event of format 32 for SendEvent."""
    return struct.pack("=BBHII5I", CLIENT_MESSAGE, 32, 0, window, kind, *data)


def _named(opcode: int, flag: int, name: bytes) -> bytes:
    """A request of the InternAtom / QueryExtension shape: a counted, padded name."""
    return struct.pack("=BBHHxx", opcode, flag, 2 + (len(name) + 3) // 4, len(name)) + _pad(name)


def _card32_at_8(reply: bytes) -> int:
    return struct.unpack_from("=I", reply, 8)[0]


def _card32_at_16(reply: bytes) -> int:
    return struct.unpack_from("=I", reply, 16)[0]


def _tree(reply: bytes) -> tuple[int, int, tuple[int, ...]]:
    root, parent, count = struct.unpack_from("=IIH", reply, 8)
    return root, parent, struct.unpack_from(f"={count}I", reply, 32)


def _property(reply: bytes) -> Property:
    fmt = reply[1]
    kind, _, length = struct.unpack_from("=III", reply, 8)
    if not kind:
        return Property(0, 0, None)
    if fmt == 8:
        return Property(kind, 8, reply[32:32 + length])
    code = "H" if fmt == 16 else "I"
    return Property(kind, fmt, struct.unpack_from(f"={length}{code}", reply, 32))
