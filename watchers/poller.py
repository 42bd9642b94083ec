"""One call, one Observation: the focused window, what it shows (editor, terminal, browser)
and the idle time. Called every second by the engine; never raises for a missing display.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from watchers.display import detect_session
from watchers.idle import IdleWatcher, create_idle_watcher
from watchers.inference import infer
from watchers.keep_active import KeepActive
from watchers.observation import Observation
from watchers.window import WatcherUnavailable, WindowInfo, WindowWatcher, create_window_watcher

if TYPE_CHECKING:
    from logging import Logger

# How long to wait before trying again to create a window watcher the session refused.
WINDOW_RETRY_SECONDS = 30.0


def _log() -> Logger:
    """The poller's logger (logging is imported on the first failure: ~3 ms of a start)."""
    import logging

    return logging.getLogger(__name__)


class Poller:
    def __init__(self, window: WindowWatcher | None = None, idle: IdleWatcher | None = None, *,
                 session: str | None = None, hooks: bool = True,
                 clock: Callable[[], float] = time.time,
                 keep_active: KeepActive | None = None) -> None:
        self.session = session or detect_session()
        self._clock = clock
        self._window = window
        self._window_error: str | None = None
        self._window_retry_at = 0.0
        self._idle = idle if idle is not None else create_idle_watcher(self.session, hooks=hooks)
        self.keep_active = keep_active

    @property
    def idle(self) -> IdleWatcher:
        return self._idle

    def poll(self) -> Observation:
        obs = Observation(time=self._clock())
        window, problem = self._active_window()
        if problem:
            obs = obs.with_warning(f"window: {problem}")
        if window is not None:
            obs = obs.with_fields(window.source, app=window.app, title=window.title,
                                  pid=window.pid, exe=window.exe, fullscreen=window.fullscreen)
            if window.warning:
                obs = obs.with_warning(f"window: {window.warning}")
            try:
                obs = infer(obs, window)
            except Exception as exc:  # inference is best effort; the window stays known
                _log().exception("inference failed")
                obs = obs.with_warning(f"inference failed: {exc}")
        obs = self._add_idle(obs)
        return self._add_reason(obs, window.wm_class if window else None)

    def _add_reason(self, obs: Observation, wm_class: str | None) -> Observation:
        keep = self.keep_active
        if keep is None or not (obs.app or obs.title):
            return obs
        try:
            reason = keep.reason(obs, wm_class)
        except Exception as exc:  # best effort, like inference
            _log().exception("keep-active rules failed")
            return obs.with_warning(f"keep-active rules failed: {exc}")
        if keep.warning:
            obs = obs.with_warning(keep.warning)
        return obs.with_fields("keep_active", active_reason=reason)

    def close(self) -> None:
        self._idle.close()
        close = getattr(self._window, "close", None)
        if close is not None:
            close()

    def _watcher(self) -> WindowWatcher | None:
        if self._window is not None:
            return self._window
        now = time.monotonic()
        if now < self._window_retry_at:
            return None
        try:
            self._window = create_window_watcher(self.session)
            self._window_error = None
        except WatcherUnavailable as exc:
            self._window_error = str(exc)
            self._window_retry_at = now + WINDOW_RETRY_SECONDS
        return self._window

    def _active_window(self) -> tuple[WindowInfo | None, str | None]:
        watcher = self._watcher()
        if watcher is None:
            return None, self._window_error
        try:
            return watcher.active_window(), None
        except WatcherUnavailable as exc:
            return None, str(exc)
        except Exception as exc:  # a backend bug must not stop the poll loop
            _log().exception("window watcher %s failed", watcher.name)
            return None, f"{watcher.name} failed: {exc}"

    def _add_idle(self, obs: Observation) -> Observation:
        idle = self._idle
        try:
            seconds = idle.seconds_idle()
        except WatcherUnavailable:
            pass  # named in idle.warnings below
        else:
            obs = obs.with_fields(idle.source or "idle", idle_seconds=round(seconds, 3))
        counter = idle.counts_source
        if counter is not None:
            obs = obs.with_fields(counter, activity=idle.take_counts())
        for warning in idle.warnings:
            obs = obs.with_warning(warning)
        return obs
