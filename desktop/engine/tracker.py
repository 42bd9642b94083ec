"""Turns the watchers' observations into activity spans, the way a heartbeat merger would.

The tracker works in epoch seconds only (the time of each observation), so it knows nothing of
time zones or DST. Rules, in order, for each observation at time t:

- a gap since the previous poll larger than `sleep_gap` (sleep, suspend, a frozen process) or a
  clock going backwards ends the open span at the previous poll + one poll interval;
- idle for `idle_timeout` or more (and nothing audible playing, no other keep-active reason:
  a call, a screen share, a fullscreen window, see watchers.keep_active) ends the open span at
  the last input (t - idle_seconds), not when the idleness was noticed, or at the last poll
  that was kept active if that was later;
- an observation naming no window (no app, no title: no display, a window watcher that
  cannot see, nothing focused) ends the open span at t and opens none: time nobody can name
  is not recorded;
- an observation the redactor drops ends the open span at t;
- an observation equal to the open span's activity (titles compared with their volatile parts,
  such as digits, masked; sound ignored) extends it to t and keeps the latest title; anything
  else ends it at t and opens a new one.

The sink receives a copy of the open span each time it grows or changes and once more when it
ends; the writer keeps the latest version per uuid.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from desktop.engine.span import ACTIVITY_FIELDS, Span
from watchers.observation import Observation

# Observation fields copied as they are into the span.
_TEXT_FIELDS = ("app", "title", "url", "site", "file", "project", "branch", "language", "editor",
                "browser", "terminal")
# Parts of a title that change on their own: numbers (counters, timers, progress) and
# spinner glyphs (braille patterns, the usual ASCII/emoji spinners, "unsaved" dots).
_VOLATILE = re.compile(r"\d+(?:[.,]\d+)*|[\u2800-\u28ff\u25d0-\u25d3\u25f4-\u25f7●•✱*]")
_SPACES = re.compile(r"\s+")


def volatile_free(title: str | None) -> str | None:
    """`title` with the parts that change every second masked, for comparing activities."""
    if title is None:
        return None
    return _SPACES.sub(" ", _VOLATILE.sub("#", title)).strip()


def span_from_observation(obs: Observation, device: str) -> Span:
    """A zero-length window span at obs.time carrying the observation's descriptive fields."""
    span = Span(start=obs.time, end=obs.time, source="window", device=device)
    for name in _TEXT_FIELDS:
        value = getattr(obs, name)
        setattr(span, name, value if value else None)  # "" means unknown, like None
    span.private = bool(obs.private)
    span.audible = bool(obs.audible)
    _add_activity(span, obs)
    return span


def _add_activity(span: Span, obs: Observation) -> None:
    span.keystrokes += obs.activity.keystrokes
    span.clicks += obs.activity.clicks
    span.scrolls += obs.activity.scrolls
    span.moves += obs.activity.moves
    span.idle_to_active += obs.activity.idle_to_active


_TITLE = ACTIVITY_FIELDS.index("title")
_AUDIBLE = ACTIVITY_FIELDS.index("audible")


def merge_key(span: Span) -> tuple:
    """What must be equal for two observations to be one activity: everything but the
    volatile parts of the title, and sound (a span is audible if it played any)."""
    key = list(span.activity_key())
    key[_TITLE] = volatile_free(span.title)
    key[_AUDIBLE] = None
    return tuple(key)


class Tracker:
    def __init__(self, device: str, sink: Callable[[Span], None], *, idle_timeout: float = 180.0,
                 poll_interval: float = 1.0,
                 redactor: Callable[[Span], Span | None] | None = None,
                 sleep_gap: float | None = None) -> None:
        self.device = device
        self.sink = sink
        self.idle_timeout = idle_timeout
        self.poll_interval = poll_interval
        self.sleep_gap = sleep_gap if sleep_gap is not None else max(3 * poll_interval, 10.0)
        self.redactor = redactor
        self._open: Span | None = None
        self._open_key: tuple | None = None
        self._last_poll: float | None = None
        self._audible_at: float | None = None  # the last poll kept active without input

    @property
    def current(self) -> Span | None:
        """A copy of the open span, or None when nothing is being recorded."""
        return self._open.replace() if self._open else None

    def observe(self, obs: Observation) -> None:
        t = obs.time
        last = self._last_poll
        self._last_poll = t
        if last is not None and (t - last > self.sleep_gap or t < last):
            self._end(last + self.poll_interval)
        idle = obs.idle_seconds or 0.0
        kept = bool(obs.audible or obs.active_reason)
        if idle >= self.idle_timeout and not kept:
            if self._open is not None:  # active until the last input or the last sound
                self._end(max(t - idle, self._audible_at or t - idle))
            return
        if not obs.app and not obs.title:
            self._end(t)
            return
        span = span_from_observation(obs, self.device)
        if self.redactor is not None:
            redacted = self.redactor(span)
            if redacted is None:
                self._end(t)
                return
            span = redacted
        key = merge_key(span)
        if self._open is not None and key == self._open_key:
            self._grow(span, t)
        else:
            self._end(t)
            self._open, self._open_key = span, key
        if kept:
            self._audible_at = t

    def suspend(self, at: float) -> None:
        """The session was locked or the machine is going to sleep at `at`: end the span."""
        self._close_at(at)
        self._last_poll = None

    def close(self, at: float) -> None:
        """Tracking stops at `at`: end the open span (never past one poll after the last)."""
        self._close_at(at)

    def _close_at(self, at: float) -> None:
        if self._open is None:
            return
        limit = self._last_poll + self.poll_interval if self._last_poll is not None else at
        self._end(min(at, limit))

    def _grow(self, span: Span, t: float) -> None:
        open_ = self._open
        assert open_ is not None
        open_.end = max(open_.end, t)
        open_.title = span.title
        open_.audible = open_.audible or span.audible
        open_.keystrokes += span.keystrokes
        open_.clicks += span.clicks
        open_.scrolls += span.scrolls
        open_.moves += span.moves
        open_.idle_to_active += span.idle_to_active
        self.sink(open_.replace())

    def _end(self, at: float) -> None:
        """End the open span at `at` (never before its start) and hand over its last version."""
        open_ = self._open
        if open_ is None:
            return
        self._open = self._open_key = self._audible_at = None
        grown = open_.end > open_.start
        open_.end = max(open_.start, at)
        if grown or open_.end > open_.start:
            self.sink(open_)
