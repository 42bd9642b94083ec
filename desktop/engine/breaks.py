"""Break reminders: micro and long breaks counted on continuous active time.

The engine feeds `update(now, idle_seconds, fullscreen)` after every poll. Time counts as
active while the user's idle time stays below the micro-break length; a pause at least as long
as a break is a natural break and resets that break's timer. Events go to `emit(kind, info)`:
"break_warning", "break_due", "break_ended", "break_postponed", "break_skipped",
"break_deferred" (a full-screen window is up: do not disturb), "daily_limit", and
"breaks_paused" / "breaks_resumed" around a hold: `update(..., hold="you are in a call")`
(a call, a screen share, outside working hours) stops the count, and no break starts, until
it ends; the running break, if any, still ends on time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any

MICRO, LONG = "micro", "long"
# A gap between two updates longer than this is sleep or a stopped engine, not activity.
SLEEP_GAP_SECONDS = 120.0


class BreakError(Exception):
    """Not allowed now (strict mode, no postpones left, no break running)."""


@dataclass(frozen=True)
class BreakSettings:
    enabled: bool = True
    micro_interval: float = 20 * 60  # the 20-20-20 rule
    micro_duration: float = 20
    long_interval: float = 60 * 60
    long_duration: float = 5 * 60
    warning: float = 30  # seconds of notice before a break
    postpone: float = 5 * 60
    max_postpones: int = 2  # per break
    strict: bool = False  # no postpone, no skip
    do_not_disturb: bool = True  # no break over a full-screen window
    daily_limit: float | None = None  # seconds of active time per day


@dataclass(frozen=True)
class BreakInfo:
    kind: str  # MICRO | LONG
    duration: float
    starts_at: float
    ends_at: float
    can_postpone: bool
    can_skip: bool
    postpones_left: int

    def __str__(self) -> str:
        length = (f"{self.duration:.0f} seconds" if self.duration < 60
                  else f"{self.duration / 60:.0f} minutes")
        advice = ("look at something 20 feet away" if self.kind == MICRO
                  else "stand up, stretch, walk around")
        return f"A {length} {self.kind} break: {advice}."

    def remaining(self, now: float) -> float:
        return max(0.0, self.ends_at - now)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BreakStatus:
    state: str  # "disabled" | "counting" | "warning" | "deferred" | "paused" | "break"
    micro_in: float  # active seconds until the next micro break
    long_in: float
    active_today: float
    current: BreakInfo | None = None
    paused_reason: str | None = None  # state "paused": why ("you are in a call")

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["current"] = self.current.to_json() if self.current else None
        return out


Emit = Callable[[str, Any], None]


class BreakScheduler:
    """Thread-safe: the engine thread updates it, the UI and the API call take/postpone/skip."""

    def __init__(self, settings: BreakSettings | None = None, emit: Emit | None = None, *,
                 clock: Callable[[], float] = time.time, zone: tzinfo | None = None,
                 sleep_gap: float = SLEEP_GAP_SECONDS) -> None:
        self.settings = settings or BreakSettings()
        self.sleep_gap = sleep_gap
        self._emit = emit if emit is not None else (lambda kind, payload: None)
        self._clock = clock
        self._zone = zone
        self._lock = threading.RLock()
        self._active = {MICRO: 0.0, LONG: 0.0}
        self._last: float | None = None
        self._was_idle = False
        self._warned: str | None = None
        self._deferred: str | None = None
        self._current: BreakInfo | None = None
        self._postpones = 0
        self._day: date | None = None
        self._active_today = 0.0
        self._limit_told = False
        self._hold: str | None = None

    def configure(self, settings: BreakSettings) -> None:
        with self._lock:
            self.settings = settings

    # -- fed by the engine ---------------------------------------------------------------

    def update(self, now: float, idle_seconds: float | None, fullscreen: bool | None = False,
               hold: str | None = None) -> BreakStatus:
        with self._lock:
            s = self.settings
            delta = 0.0 if self._last is None else max(0.0, now - self._last)
            self._last = now
            self._roll_day(now)
            idle = idle_seconds or 0.0
            if self._current is not None:
                if now >= self._current.ends_at:
                    self._finish(now)
                return self.status(now)
            if not s.enabled:
                return self.status(now)
            if hold != self._hold:
                self._hold = hold
                self._warned = self._deferred = None
                self._emit("breaks_paused" if hold else "breaks_resumed", hold)
            if hold:
                return self.status(now)
            if delta > self.sleep_gap:  # suspended or the engine stopped: the user was away
                self._natural_break(delta)
                return self.status(now)
            if idle >= s.micro_duration:
                # A natural break: whatever of this pause was counted as active is taken back.
                counted = 0.0 if self._was_idle else max(0.0, idle - delta)
                self._active[LONG] = max(0.0, self._active[LONG] - counted)
                self._active_today = max(0.0, self._active_today - counted)
                self._natural_break(idle)
                self._was_idle = True
                return self.status(now)
            self._was_idle = False
            self._active[MICRO] += delta
            self._active[LONG] += delta
            self._active_today += delta
            self._check_limit()
            due = self._due()
            if due is not None:
                if s.do_not_disturb and fullscreen:
                    if self._deferred != due:
                        self._deferred = due
                        self._emit("break_deferred", due)
                else:
                    self._start(due, now)
            else:
                self._maybe_warn(now)
            return self.status(now)

    # -- asked for by the user -----------------------------------------------------------

    def take_now(self, kind: str = MICRO, now: float | None = None) -> BreakInfo:
        """Start a break at once (tray "take a break now", `timeforged break now`)."""
        if kind not in (MICRO, LONG):
            raise BreakError(f"unknown break kind {kind!r}")
        with self._lock:
            now = self._clock() if now is None else now
            if self._current is None:
                self._start(kind, now)
            assert self._current is not None
            return self._current

    def postpone(self, now: float | None = None) -> float:
        """Put the running break off; returns when it comes back (epoch seconds)."""
        with self._lock:
            now = self._clock() if now is None else now
            current = self._require_break()
            if not current.can_postpone:
                raise BreakError("strict mode: breaks cannot be postponed" if self.settings.strict
                                 else "no postpones left for this break")
            self._postpones += 1
            interval = self._interval(current.kind)
            self._active[current.kind] = max(0.0, interval - self.settings.postpone)
            if current.kind == LONG:
                self._active[MICRO] = min(self._active[MICRO], self._active[LONG])
            self._current = None
            self._warned = None
            back = now + self.settings.postpone
            self._emit("break_postponed", replace(current, starts_at=back,
                                                  ends_at=back + current.duration))
            return back

    def skip(self, now: float | None = None) -> None:
        with self._lock:
            now = self._clock() if now is None else now
            current = self._require_break()
            if not current.can_skip:
                raise BreakError("strict mode: breaks cannot be skipped")
            self._reset_after(current.kind)
            self._current = None
            self._emit("break_skipped", current)

    def status(self, now: float | None = None) -> BreakStatus:
        with self._lock:
            now = self._clock() if now is None else now
            s = self.settings
            micro_in = max(0.0, s.micro_interval - self._active[MICRO])
            long_in = max(0.0, s.long_interval - self._active[LONG])
            if self._current is not None:
                state = "break"
            elif not s.enabled:
                state = "disabled"
            elif self._hold:
                state = "paused"
            elif self._deferred:
                state = "deferred"
            elif self._warned:
                state = "warning"
            else:
                state = "counting"
            return BreakStatus(state, micro_in, long_in, self._active_today, self._current,
                               self._hold if state == "paused" else None)

    # -- internals -----------------------------------------------------------------------

    def _interval(self, kind: str) -> float:
        return self.settings.micro_interval if kind == MICRO else self.settings.long_interval

    def _duration(self, kind: str) -> float:
        return self.settings.micro_duration if kind == MICRO else self.settings.long_duration

    def _due(self) -> str | None:
        if self._active[LONG] >= self.settings.long_interval:
            return LONG  # a long break stands in for the micro break due with it
        if self._active[MICRO] >= self.settings.micro_interval:
            return MICRO
        return None

    def _maybe_warn(self, now: float) -> None:
        s = self.settings
        soonest = min((self._interval(k) - self._active[k], k) for k in (LONG, MICRO))
        left, kind = soonest
        if left <= s.warning and self._warned != kind:
            self._warned = kind
            self._emit("break_warning", {"kind": kind, "in_seconds": left,
                                         "duration": self._duration(kind)})

    def _start(self, kind: str, now: float) -> None:
        s = self.settings
        duration = self._duration(kind)
        self._current = BreakInfo(kind, duration, now, now + duration,
                                  can_postpone=not s.strict and self._postpones < s.max_postpones,
                                  can_skip=not s.strict,
                                  postpones_left=0 if s.strict else s.max_postpones
                                  - self._postpones)
        self._warned = self._deferred = None
        self._emit("break_due", self._current)

    def _finish(self, now: float) -> None:
        current = self._require_break()
        self._reset_after(current.kind)
        self._current = None
        self._emit("break_ended", current)

    def _natural_break(self, seconds: float) -> None:
        self._active[MICRO] = 0.0
        if seconds >= self.settings.long_duration:
            self._active[LONG] = 0.0
        self._warned = self._deferred = None

    def _reset_after(self, kind: str) -> None:
        self._active[MICRO] = 0.0
        if kind == LONG:
            self._active[LONG] = 0.0
        self._postpones = 0
        self._warned = self._deferred = None

    def _require_break(self) -> BreakInfo:
        if self._current is None:
            raise BreakError("no break is running")
        return self._current

    def _roll_day(self, now: float) -> None:
        day = datetime.fromtimestamp(now, self._zone).date()
        if day != self._day:
            self._day, self._active_today, self._limit_told = day, 0.0, False

    def _check_limit(self) -> None:
        limit = self.settings.daily_limit
        if limit is not None and not self._limit_told and self._active_today >= limit:
            self._limit_told = True
            self._emit("daily_limit", {"limit": limit, "active_today": self._active_today})
