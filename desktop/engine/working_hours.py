"""Working hours, set once in config `[working_hours]` ("weekdays 09:00-17:30", the focus
schedules' syntax) and shared: tracking may keep to them, break reminders keep to them, and a
focus schedule may say "working hours" to run during them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo

from desktop.engine.focus.session import FocusError, FocusPlan, Schedule

_NAMES = {"working hours", "during working hours", "in working hours"}


def is_working_hours(text: str) -> bool:
    """Does a focus schedule say "working hours" rather than days and times?"""
    return " ".join(text.lower().split()) in _NAMES


@dataclass(frozen=True)
class WorkingHours:
    schedules: tuple[Schedule, ...] = ()

    @classmethod
    def parse(cls, texts: Iterable[str]) -> WorkingHours:
        """Raises FocusError for a bad entry (working hours cannot refer to themselves)."""
        out = []
        for text in texts:
            if is_working_hours(text):
                raise FocusError("working hours need days and times, such as "
                                 "'weekdays 09:00-17:30'")
            out.append(Schedule.parse(text))
        return cls(tuple(out))

    @property
    def defined(self) -> bool:
        return bool(self.schedules)

    def contains(self, now: float, zone: tzinfo | None = None) -> bool:
        """Is `now` inside the working hours? Always, when none are set."""
        return not self.schedules or any(s.window_at(now, zone) for s in self.schedules)

    def focus_schedules(self, texts: Iterable[str], plan: FocusPlan) -> list[Schedule]:
        """Focus schedules from `texts`, "working hours" standing for these hours; raises
        FocusError for a bad one (or "working hours" while none are set)."""
        out: list[Schedule] = []
        for text in texts:
            if not is_working_hours(text):
                out.append(Schedule.parse(text, plan))
            elif not self.schedules:
                raise FocusError(f"{text!r}: no working hours are set ([working_hours])")
            else:
                out += [Schedule(s.days, s.start, s.end, plan, s.text) for s in self.schedules]
        return out
