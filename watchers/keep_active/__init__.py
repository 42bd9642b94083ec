"""What keeps time active without input: sound from the focused app, a call, a screen share,
a fullscreen window. Each is a rule that can be switched off; `KeepActive.reason(obs)` names
the first that holds ("audio", "meeting", "screen_share", "fullscreen") or None.

The interface per platform is `audio.AudioSource`; meetings are read from the focused window
(app names, `.desktop` categories, URL, title), so they need nothing more. A screen share is
the focused window's title (a sharing bar) or, with PipeWire, a running xdg-desktop-portal
screen cast of any app (`screencast.ScreencastSource`). The sound server and PipeWire are
asked only once input has been idle `audio_after_idle` seconds (they matter to nobody while
you type) and at most every `audio_recheck` seconds: a poll while you work starts no process.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable

from watchers.keep_active.audio import (
    AudioSource,
    AudioStream,
    AudioUnavailable,
    create_audio_source,
)
from watchers.keep_active.meetings import DesktopCategories, is_meeting, is_screen_share
from watchers.keep_active.screencast import (
    Screencast,
    ScreencastSource,
    ScreencastUnavailable,
    create_screencast_source,
)
from watchers.observation import Observation
from watchers.records import Frozen

AUDIO, MEETING, SCREEN_SHARE, FULLSCREEN = "audio", "meeting", "screen_share", "fullscreen"
REASONS = (MEETING, SCREEN_SHARE, AUDIO, FULLSCREEN)  # the order they are asked in
# Reasons that are a call or a presentation: breaks and blocking wait while one holds.
IN_CALL = frozenset({MEETING, SCREEN_SHARE, FULLSCREEN})
AUDIO_AFTER_IDLE = 10.0  # the lowest idle timeout config allows
AUDIO_RECHECK = 5.0


class KeepActiveSettings(Frozen):
    __slots__ = ("audio", "meeting", "screen_share", "fullscreen", "meeting_apps")  # noqa: RUF023

    audio: bool
    meeting: bool
    screen_share: bool
    fullscreen: bool
    meeting_apps: tuple[str, ...]  # regular expressions on the app's names (override)

    def __init__(self, audio: bool = True, meeting: bool = True, screen_share: bool = True,
                 fullscreen: bool = True, meeting_apps: tuple[str, ...] = ()) -> None:
        set_ = object.__setattr__
        set_(self, "audio", audio)
        set_(self, "meeting", meeting)
        set_(self, "screen_share", screen_share)
        set_(self, "fullscreen", fullscreen)
        set_(self, "meeting_apps", meeting_apps)

    def enabled(self) -> tuple[str, ...]:
        return tuple(r for r in REASONS if getattr(self, r))


class KeepActive:
    """The rules of `settings`. `audio`, `desktop` and `casts` None: the platform's (its sound
    server; .desktop categories on Linux only; PipeWire where it runs). `audio_after_idle` 0:
    ask even while input comes (`timeforged now`). `warning` says why sound or a screen cast
    could not be read, last time."""

    def __init__(self, settings: KeepActiveSettings | None = None,
                 audio: AudioSource | None = None, desktop: DesktopCategories | None = None,
                 audio_after_idle: float = AUDIO_AFTER_IDLE, audio_recheck: float = AUDIO_RECHECK,
                 casts: ScreencastSource | None = None) -> None:
        self.settings = KeepActiveSettings() if settings is None else settings
        self.audio = audio
        self.desktop = desktop
        self.warning: str | None = None
        self.audio_after_idle = audio_after_idle
        self.audio_recheck = audio_recheck
        self.casts = casts
        if self.audio is None and self.settings.audio:
            self.audio = create_audio_source()
        if self.casts is None and self.settings.screen_share:
            self.casts = create_screencast_source(sys.platform)
        self._casts: list[Screencast] = []
        self._cast_asked_at: float | None = None
        if self.desktop is None and sys.platform.startswith(("linux", "freebsd")):
            self.desktop = DesktopCategories()
        self._extra = [re.compile(p, re.I) for p in self.settings.meeting_apps]
        self._streams: list[AudioStream] = []
        self._asked_at: float | None = None

    def reason(self, obs: Observation, wm_class: str | None = None) -> str | None:
        """The first enabled rule that keeps `obs` active, or None."""
        s = self.settings
        names = app_names(obs, wm_class)
        if s.meeting and is_meeting(names, obs.url, obs.title,
                                    self.desktop.names() if self.desktop else (), self._extra):
            return MEETING
        if s.screen_share and (is_screen_share(obs.title) or self._casting(obs)):
            return SCREEN_SHARE
        if s.audio and (obs.audible or self._plays(obs, names)):
            return AUDIO
        if s.fullscreen and obs.fullscreen:
            return FULLSCREEN
        return None

    def _casting(self, obs: Observation) -> bool:
        """A portal screen cast runs (asked as the sound server is: when idle, now and
        then)."""
        if self.casts is None:
            return False
        if obs.idle_seconds is not None and obs.idle_seconds < self.audio_after_idle:
            self._cast_asked_at = None
            return False
        now = time.monotonic()
        if self._cast_asked_at is None or now - self._cast_asked_at >= self.audio_recheck:
            self._cast_asked_at = now
            try:
                self._casts = self.casts.active()
            except ScreencastUnavailable as exc:
                self._casts, self.warning = [], f"screen cast: {exc}"
        return bool(self._casts)

    def _plays(self, obs: Observation, names: list[str]) -> bool:
        if self.audio is None or (obs.pid is None and not names):
            return False
        if obs.idle_seconds is not None and obs.idle_seconds < self.audio_after_idle:
            self._asked_at = None  # input: ask afresh when idle again
            return False
        now = time.monotonic()
        if self._asked_at is None or now - self._asked_at >= self.audio_recheck:
            self._asked_at = now
            try:
                self._streams, self.warning = self.audio.playing(), None
            except AudioUnavailable as exc:
                self._streams, self.warning = [], f"audio: {exc}"
        return any(focused_stream(s, obs.pid, names) for s in self._streams)


def app_names(obs: Observation, wm_class: str | None = None) -> list[str]:
    out: list[str] = []
    for raw in (wm_class, obs.app, os.path.basename(obs.exe) if obs.exe else None):
        if raw:
            name = raw.strip().lower()
            for candidate in (name, name.removesuffix(".exe"), name.rsplit(".", 1)[-1]):
                if candidate and candidate not in out:
                    out.append(candidate)
    return out


def focused_stream(stream: AudioStream, pid: int | None, names: Iterable[str]) -> bool:
    """Is `stream` the focused app's: the same process, one of its children (a browser's
    audio service, a player's helper), or a program of the same name?"""
    if pid is not None and stream.pid is not None and pid in ancestors(stream.pid):
        return True
    names = set(names)
    return any(n and n.lower().removesuffix(".exe") in names
               for n in (stream.binary, stream.app))


def ancestors(pid: int, limit: int = 16) -> list[int]:
    """`pid` and its parents (Linux /proc; elsewhere `pid` alone)."""
    out = [pid]
    for _ in range(limit):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                pid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        if pid <= 1:
            break
        out.append(pid)
    return out
