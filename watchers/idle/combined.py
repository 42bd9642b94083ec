"""One idle watcher over the input hooks and the system idle timer."""

from __future__ import annotations

import time

from watchers.idle.base import IdleSource
from watchers.idle.hooks import InputHooks
from watchers.observation import ActivityCounts
from watchers.window.base import WatcherUnavailable

# The hooks are deaf (alive but missing input, e.g. after a suspend) when the system timer has
# seen input this much more recently than they did; they are restarted, at most once a minute.
DEAF_SECONDS = 10.0
DEAF_RESTART_PAUSE = 60.0


class IdleWatcher:
    """Idle time from the hooks when they run and have seen input, from the system idle timer
    otherwise. `source` names who answered the last seconds_idle(); `warnings` what is
    missing."""

    def __init__(self, hooks: InputHooks | None, fallback: IdleSource | None,
                 notes: tuple[str, ...] = ()) -> None:
        self.hooks, self.fallback = hooks, fallback
        self.source: str | None = None
        self._notes = notes
        self._fallback_error: str | None = None
        self._deaf_restart_at = 0.0

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

    def seconds_idle(self) -> float:
        hooks_idle = fallback_idle = None
        if self.hooks is not None:
            try:
                hooks_idle = self.hooks.seconds_idle()
            except WatcherUnavailable:
                hooks_idle = None  # named by `warnings`
        if self.fallback is not None:
            try:
                fallback_idle = self.fallback.seconds_idle()
                self._fallback_error = None
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
        """Input counted since the last call (zeros when the hooks do not run)."""
        if self.hooks is None:
            return ActivityCounts()
        return self.hooks.take_counts()

    def close(self) -> None:
        for part in (self.hooks, self.fallback):
            if part is not None:
                part.close()

    def _answer(self, source: str, seconds: float) -> float:
        self.source = source
        return seconds

    def _restart_deaf_hooks(self) -> None:
        now = time.monotonic()
        if self.hooks is not None and now >= self._deaf_restart_at:
            self._deaf_restart_at = now + DEAF_RESTART_PAUSE
            self.hooks.restart()
