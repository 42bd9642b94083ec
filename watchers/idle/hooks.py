"""Input hooks that count input events, never which keys or where.

On X11 a RECORD reader of our own does it (watchers.idle.xrecord: a tenth of pynput's cost
per event); on Windows and macOS pynput's listeners (low-level hooks, event taps).

The listener threads can die under us (X server restart, suspend, missing RECORD extension):
every call checks them and restarts dead ones, with a growing pause between failed attempts.
Never wait on a pynput listener without a timeout: `Listener.wait()` blocks for ever when its
thread died before becoming ready.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any

from watchers.idle.xrecord import XRecordListener
from watchers.observation import ActivityCounts
from watchers.window.base import WatcherUnavailable

FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 60.0
START_TIMEOUT = 2.0


class InputHooks:
    """Keyboard and mouse listeners keeping running totals and the time of the last event."""

    name = "idle.hooks"

    def __init__(self, backend: str | None = None) -> None:
        """`backend`: "xrecord" (the default on Linux) or "pynput" (elsewhere)."""
        self.backend = backend or ("xrecord" if sys.platform.startswith("linux") else "pynput")
        # Running totals, each written by one listener thread only; take_counts() subtracts.
        self._keys = self._clicks = self._scrolls = self._moves = 0
        self._taken = ActivityCounts()
        self._last_input: float | None = None
        self._started_at = time.monotonic()
        self._listeners: list[Any] = []
        self._retry_at = 0.0
        self._retry_pause = FIRST_RETRY_SECONDS
        self.restarts = 0
        self.error: str | None = None
        self._closed = False

    # -- callbacks: run on the listener threads for every event; keep them tiny -------------
    def _add(self, keys: int, clicks: int, scrolls: int, moves: int) -> None:
        self._keys += keys
        self._clicks += clicks
        self._scrolls += scrolls
        self._moves += moves
        self._last_input = time.monotonic()

    def _on_key(self, *_: Any) -> None:
        self._keys += 1
        self._last_input = time.monotonic()

    def _on_click(self, _x: Any, _y: Any, _button: Any, pressed: bool, *_: Any) -> None:
        if pressed:
            self._clicks += 1
        self._last_input = time.monotonic()

    def _on_scroll(self, *_: Any) -> None:
        self._scrolls += 1
        self._last_input = time.monotonic()

    def _on_move(self, *_: Any) -> None:
        self._moves += 1
        self._last_input = time.monotonic()

    # -- life cycle ---------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return bool(self._listeners) and all(t.is_alive() for t in self._listeners)

    @property
    def has_seen_input(self) -> bool:
        return self._last_input is not None

    def ensure_running(self) -> bool:
        """Start the listeners, or restart them if a thread died; True when they run."""
        if self._closed:
            return False
        if self.alive:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        if self._listeners:
            self.restarts += 1
        self._stop_listeners()
        try:
            self._start_listeners()
        except WatcherUnavailable as exc:
            self.error = str(exc)
        if self.alive:
            self._retry_at, self._retry_pause = 0.0, FIRST_RETRY_SECONDS
            return True
        # Failed (no X server, no RECORD extension...): wait longer after each failure.
        self._retry_at = now + self._retry_pause
        self._retry_pause = min(self._retry_pause * 2, MAX_RETRY_SECONDS)
        return False

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Wait up to `timeout` for the listeners to receive events; False if they died."""
        deadline = time.monotonic() + timeout
        return self.alive and all(
            _ready(t, max(0.0, deadline - time.monotonic())) for t in self._listeners)

    def restart(self) -> None:
        """Drop the listeners and start new ones now (used when they went deaf)."""
        self._stop_listeners()
        self._retry_at = 0.0
        self.restarts += 1
        self.ensure_running()

    def seconds_idle(self) -> float:
        if not self.ensure_running():
            raise WatcherUnavailable(self.error or "the input hooks stopped")
        last = self._last_input
        return time.monotonic() - (self._started_at if last is None else last)

    def take_counts(self) -> ActivityCounts:
        """Input counted since the previous call."""
        self.ensure_running()
        totals = ActivityCounts(self._keys, self._clicks, self._scrolls, self._moves)
        taken, self._taken = self._taken, totals
        return ActivityCounts(
            totals.keystrokes - taken.keystrokes, totals.clicks - taken.clicks,
            totals.scrolls - taken.scrolls, totals.moves - taken.moves)

    def close(self) -> None:
        self._closed = True
        self._stop_listeners()

    def _start_listeners(self) -> None:
        if self.backend == "xrecord":
            listener = XRecordListener(self._add)
            listener.start()  # raises WatcherUnavailable with the reason
            self._listeners = [listener]
        else:
            self._listeners = self._start_pynput()
        self._started_at = time.monotonic()
        # A thread that cannot reach the X server (or lacks RECORD) dies within milliseconds.
        if not self.wait_ready(START_TIMEOUT):
            raise WatcherUnavailable("the input hooks could not start")
        self.error = None

    def _start_pynput(self) -> list[Any]:
        try:
            from pynput import keyboard, mouse
        except Exception as exc:  # ImportError without a display server
            raise WatcherUnavailable(f"input hooks unavailable: {exc}") from exc
        kb = keyboard.Listener(on_press=self._on_key)
        ms = mouse.Listener(on_move=self._on_move, on_click=self._on_click,
                            on_scroll=self._on_scroll)
        if not getattr(kb, "IS_TRUSTED", True):  # macOS without the Accessibility permission
            raise WatcherUnavailable(
                "input hooks need the Accessibility (Input Monitoring) permission")
        for listener in (kb, ms):
            listener.daemon = True
            listener.start()
        return [kb, ms]

    def _stop_listeners(self) -> None:
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            if isinstance(listener, XRecordListener):
                listener.stop()
            # pynput's stop() waits (without a timeout) for a listener that never became ready.
            elif listener.is_alive() and _ready(listener, timeout=1.0):
                with contextlib.suppress(Exception):  # its X connection may be dead already
                    listener.stop()
                    _wake_xorg(listener)
        for listener in listeners:
            # Thread.join, not pynput's join, which re-raises whatever killed the thread.
            threading.Thread.join(listener, timeout=1.0)


def _wake_xorg(listener: Any) -> None:
    """pynput's X11 stop() queues the RECORD disable on the connection its thread blocks on,
    so the thread only ends at the next input event; send it on the idle second connection
    (as pynput's own cleanup does) so it ends now."""
    display, context = getattr(listener, "_display_stop", None), getattr(listener, "_context", None)
    if display is not None and context is not None:
        display.record_disable_context(context)
        display.flush()


def _ready(listener: Any, timeout: float) -> bool:
    """Whether `listener` is ready to count (pynput's own wait() has no timeout)."""
    if isinstance(listener, XRecordListener):
        return listener.ready.wait(timeout) and listener.is_alive()
    deadline = time.monotonic() + timeout
    while not getattr(listener, "_ready", True):
        if not listener.is_alive() or time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True
