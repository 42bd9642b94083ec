"""Working hours applied to one poll: track only inside them; why breaks and blocking wait."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from desktop.engine.config import Config
from desktop.engine.focus.session import FocusError
from desktop.engine.habits import hold_reason
from desktop.engine.keep_active import create_keep_active
from desktop.engine.working_hours import WorkingHours
from watchers.observation import Observation


class WorkTime:
    """Working hours and the call rules for the engine's loop, re-read when the config
    changes (Settings replaces `engine.config`)."""

    def __init__(self, warnings: list[str]) -> None:
        self._warnings = warnings
        self._source: Any = None
        self.hours = WorkingHours()
        self._rules_source: Any = None

    def apply_rules(self, config: Config, poller: Any) -> None:
        """Give `poller` (watchers.poller.Poller) the rules of `config.keep_active` when
        they changed since the last call (at start, after Settings saved)."""
        if config.keep_active is not self._rules_source and hasattr(poller, "keep_active"):
            self._rules_source = config.keep_active
            poller.keep_active = create_keep_active(config.keep_active)

    def _hours(self, config: Config) -> WorkingHours:
        if config.working_hours is not self._source:
            self._source = config.working_hours
            try:
                self.hours = WorkingHours.parse(config.working_hours.schedule)
            except FocusError as exc:
                self._warnings.append(f"working hours: {exc}; ignored")
                self.hours = WorkingHours()
        return self.hours

    def inside(self, config: Config, now: float, zone: tzinfo | None) -> bool:
        return self._hours(config).contains(now, zone)

    def tracks(self, config: Config, now: float, zone: tzinfo | None) -> bool:
        """Is time at `now` recorded (always, unless kept to working hours)?"""
        return not config.working_hours.track_only_inside or self.inside(config, now, zone)

    def hold(self, config: Config, obs: Observation | None, now: float,
             zone: tzinfo | None) -> str | None:
        return hold_reason(obs, config.keep_active.pause_breaks_in_calls,
                           self.inside(config, now, zone))
