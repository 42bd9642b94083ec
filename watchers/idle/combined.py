"""One idle watcher over the input hooks and the system idle timer."""

from __future__ import annotations

import time

from watchers.idle.base import IdleSource
from watchers.idle.hooks import InputHooks
from watchers.observation import TRANSITION_COUNTS, ActivityCounts
from watchers.window.base import WatcherUnavailable

# The hooks are deaf (alive but missing input, e.g. after a suspend) when the system timer has
# seen input this much more recently than they did; they are restarted, at most once a minute.
DEAF_SECONDS = 10.0
DEAF_RESTART_PAUSE = 60.0
# Where no hooks can count input (Wayland), idle→active transitions are counted instead. A
# source told of each one (the Wayland idle protocols, with a one-second timeout) counts
# them itself; for a polled one (Mutter's IdleMonitor, org.freedesktop.ScreenSaver) a
# transition is a reading of at least RESUME_AFTER seconds followed by one showing input
# since (less idle than the time passed would give, by more than READING_SLACK).
RESUME_AFTER = 1.0
READING_SLACK = 0.25


class IdleWatcher:
    """Idle time from the hooks when they run and have seen input, from the system idle timer
    otherwise. `source` names who answered the last seconds_idle(); `warnings` what is
    missing. With `count_transitions` and no hooks, take_counts() gives the idle→active
    transitions of the system idle timer instead of input counts."""

    def __init__(self, hooks: InputHooks | None, fallback: IdleSource | None,
                 notes: tuple[str, ...] = (), *, count_transitions: bool = False) -> None:
        self.hooks, self.fallback = hooks, fallback
        self.source: str | None = None
        self._notes = notes
        self._fallback_error: str | None = None
        self._deaf_restart_at = 0.0
        self._count_transitions = count_transitions and hooks is None and fallback is not None
        self._seen_transitions = self._taken_transitions = 0
        self._last_reading: tuple[float, float] | None = None  # (monotonic, seconds idle)

    @property
    def warnings(self) -> tuple[str, ...]:
        found = list(self._notes)
        if self.hooks is not None and not self.hooks.alive:
            found.append(f"no activity counts: {self.hooks.error or 'the input hooks stopped'}")
        if self._fallback_error:
            found.append(f"system idle time unavailable: {self._fallback_error}")
        return tuple(found)

    @property
    def counts_available(self) -> bool:
        return self.hooks is not None and self.hooks.alive

    @property
    def counts_source(self) -> str | None:
        """Who counts activity now (the hooks, or the idle source counting transitions);
        None when nothing is counted."""
        if self.counts_available:
            assert self.hooks is not None
            return self.hooks.name
        if self._count_transitions and self._fallback_error is None:
            assert self.fallback is not None
            return self.fallback.name
        return None

    def seconds_idle(self) -> float:
        hooks_idle = fallback_idle = None
        if self.hooks is not None:
            try:
                hooks_idle = self.hooks.seconds_idle()
            except WatcherUnavailable:
                hooks_idle = None  # named by `warnings`
        # Hooks that saw input within DEAF_SECONDS answer alone: the system timer cannot show
        # them deaf then (its reading is never below 0), and asking it is a round trip to the
        # X server each poll while you work.
        heard = (hooks_idle is not None and hooks_idle <= DEAF_SECONDS
                 and self.hooks is not None and self.hooks.has_seen_input
                 and self._fallback_error is None and not self._count_transitions)
        if self.fallback is not None and not heard:
            try:
                fallback_idle = self.fallback.seconds_idle()
                self._fallback_error = None
                if self._count_transitions:
                    self._see_reading(fallback_idle)
            except WatcherUnavailable as exc:
                self._fallback_error = str(exc)
        if hooks_idle is not None and fallback_idle is not None:
            assert self.hooks is not None and self.fallback is not None
            if not self.hooks.has_seen_input:
                return self._answer(self.fallback.name, fallback_idle)
            if hooks_idle - fallback_idle > DEAF_SECONDS:
                self._restart_deaf_hooks()
                return self._answer(self.fallback.name, fallback_idle)
        if hooks_idle is not None:
            assert self.hooks is not None
            return self._answer(self.hooks.name, hooks_idle)
        if fallback_idle is not None:
            assert self.fallback is not None
            return self._answer(self.fallback.name, fallback_idle)
        self.source = None
        raise WatcherUnavailable("; ".join(self.warnings) or "no idle source")

    def take_counts(self) -> ActivityCounts:
        """Input counted since the last call (zeros when the hooks do not run), or without
        hooks the idle→active transitions when they are counted."""
        if self.hooks is not None:
            return self.hooks.take_counts()
        if not self._count_transitions:
            return ActivityCounts()
        told = getattr(self.fallback, "resumes", None)
        total = told if isinstance(told, int) else self._seen_transitions
        since, self._taken_transitions = total - self._taken_transitions, total
        return ActivityCounts(idle_to_active=since, counted=TRANSITION_COUNTS)

    def close(self) -> None:
        for part in (self.hooks, self.fallback):
            if part is not None:
                part.close()

    def _see_reading(self, seconds: float) -> None:
        """Count a transition from a polled source's readings (see RESUME_AFTER)."""
        now = time.monotonic()
        last, self._last_reading = self._last_reading, (now, seconds)
        if (last is not None and last[1] >= RESUME_AFTER
                and seconds < last[1] + (now - last[0]) - READING_SLACK):
            self._seen_transitions += 1

    def _answer(self, source: str, seconds: float) -> float:
        self.source = source
        return seconds

    def _restart_deaf_hooks(self) -> None:
        now = time.monotonic()
        if self.hooks is not None and now >= self._deaf_restart_at:
            self._deaf_restart_at = now + DEAF_RESTART_PAUSE
            self.hooks.restart()
