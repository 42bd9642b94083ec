"""The idle interface: how long since the last input, and how much input since the last ask."""

from __future__ import annotations

from typing import Protocol


class IdleSource(Protocol):
    """A system idle timer (XScreenSaver, GetLastInputInfo...): seconds only, no counts."""

    name: str
    # Optional: a source that is told of every idle→active transition (the Wayland idle
    # protocols) keeps their running total in `resumes`; polled ones have none, and the
    # IdleWatcher tells transitions from their readings.

    def seconds_idle(self) -> float:
        """Seconds since the last keyboard or mouse input; raises WatcherUnavailable."""

    def close(self) -> None: ...
