"""The idle interface: how long since the last input, and how much input since the last ask."""

from __future__ import annotations

from typing import Protocol


class IdleSource(Protocol):
    """A system idle timer (XScreenSaver, GetLastInputInfo...): seconds only, no counts."""

    name: str

    def seconds_idle(self) -> float:
        """Seconds since the last keyboard or mouse input; raises WatcherUnavailable."""

    def close(self) -> None: ...
