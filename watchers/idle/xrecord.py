"""Input counting on X11 straight from the RECORD extension.

Two connections of our own X client (watchers.xproto): the control one creates the record
context, the data one enables it and is then read directly: each RECORD reply carries raw
32-byte device events, of which only the type byte (and the button number) is looked at, so
keycodes are never even decoded. The reader wakes at most 20 times a second and takes what
piled up. Measured at ~70 events/s: pynput's listeners 2.8% of a core, python-xlib's own
record loop 1.8%, this 0.2-0.4% (benchmarks/bench_poll.py).
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
from collections.abc import Callable

from watchers.window.base import WatcherUnavailable
from watchers.xproto import Connection, XError

KEY_PRESS, BUTTON_PRESS, MOTION_NOTIFY, GENERIC_EVENT = 2, 4, 6, 35
SCROLL_BUTTONS = frozenset({4, 5, 6, 7})
# RECORD reply categories.
FROM_SERVER, START_OF_DATA, END_OF_DATA = 0, 4, 5
BATCH_SECONDS = 0.05
_HEADER = struct.Struct("=BBHI")  # reply, category, sequence, length (in 4-byte units)

Sink = Callable[[int, int, int, int], None]  # keystrokes, clicks, scrolls, moves


def count_events(data: bytes) -> tuple[int, int, int, int]:
    """(key presses, clicks, scrolls, moves) among the 32-byte device events in `data`."""
    keys = clicks = scrolls = moves = 0
    for i in range(0, len(data) - 31, 32):
        kind = data[i] & 0x7F
        if kind == MOTION_NOTIFY:
            moves += 1
        elif kind == KEY_PRESS:
            keys += 1
        elif kind == BUTTON_PRESS:
            if data[i + 1] in SCROLL_BUTTONS:
                scrolls += 1
            else:
                clicks += 1
    return keys, clicks, scrolls, moves


class XRecordListener(threading.Thread):
    """A daemon thread feeding `sink` with event counts until stop() or the server goes."""

    def __init__(self, sink: Sink, display_name: str | None = None) -> None:
        super().__init__(name="timeforged-xrecord", daemon=True)
        self._sink = sink
        self._display_name = display_name or os.environ.get("DISPLAY", "")
        self._control: Connection | None = None
        self._data: Connection | None = None
        self._opcode = self._context = 0
        self.ready = threading.Event()

    def start(self) -> None:
        """Connect and enable recording; raises WatcherUnavailable if the server refuses."""
        try:
            self._open()
        except WatcherUnavailable:
            self._close()
            raise
        super().start()

    def stop(self) -> None:
        """Disable the context from the control connection: the server ends the data stream."""
        with contextlib.suppress(OSError):
            if self._control is not None:
                self._control.record_disable_context(self._opcode, self._context)

    def _open(self) -> None:
        if not self._display_name:
            raise WatcherUnavailable("input hooks unavailable: no X display (DISPLAY is not set)")
        try:
            self._control = Connection(self._display_name)
            self._data = Connection(self._display_name)
        except OSError as exc:
            raise WatcherUnavailable(f"input hooks unavailable: cannot connect to the X "
                                     f"display {self._display_name}: {exc}") from exc
        try:
            opcode = self._control.query_extension("RECORD")
            if opcode is None:
                raise WatcherUnavailable(f"input hooks unavailable: the X server "
                                         f"{self._display_name} lacks the RECORD extension")
            self._opcode = opcode
            self._context = self._control.record_create_context(
                opcode, (KEY_PRESS, MOTION_NOTIFY))
            self._control.sync()  # the context exists (or its error is raised) before...
            # ...the data connection enables it: every byte after that on its socket is the
            # context's replies.
            self._data.record_enable_context(opcode, self._context)
        except (OSError, XError) as exc:
            raise WatcherUnavailable(f"input hooks unavailable: the X server "
                                     f"{self._display_name} refused recording: {exc}") from exc

    def run(self) -> None:
        assert self._data is not None
        sock = self._data.sock
        buf = b""
        sink = self._sink
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return  # the X server went away
                buf += chunk
                while len(buf) >= 32:
                    kind, category, _, length = _HEADER.unpack_from(buf)
                    if kind == 0:  # an X error on the data connection: recording is over
                        return
                    # Replies and GenericEvents carry extra data; other events (MappingNotify,
                    # sent to every client when xdotool remaps a key) are 32 bytes.
                    end = 32 + length * 4 if kind in (1, GENERIC_EVENT) else 32
                    if len(buf) < end:
                        break
                    if kind != 1:
                        buf = buf[end:]
                        continue
                    if category == FROM_SERVER:
                        counts = count_events(buf[32:end])
                        if any(counts):
                            sink(*counts)
                    elif category == START_OF_DATA:
                        self.ready.set()
                    elif category == END_OF_DATA:
                        return
                    buf = buf[end:]
                # Let events pile up in the socket: at most 1/BATCH_SECONDS wake-ups a second
                # however fast the mouse reports (1000 Hz mice exist); idle time stays exact
                # to within BATCH_SECONDS.
                time.sleep(BATCH_SECONDS)
        except OSError:
            return
        finally:
            self._close()

    def _close(self) -> None:
        for display in (self._data, self._control):
            if display is not None:
                display.close()
