"""Focus sessions and breaks as the UI sees them: hooks that forward to the engine.

The engine offers ``engine.focus.start(seconds)`` and ``engine.breaks.take_now()``, and
``focus_active`` / ``break_due`` in its status; its events ("focus_started", "break_due"...)
drive the notifications and the break overlay. An engine without them gets a notification
saying so instead of actions pretending to work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Notify = Callable[[str, str], None]

FOCUS_LENGTHS = (25, 50, 90)  # minutes offered in the menus


class HabitHooks:
    def __init__(self, engine: Any, notify: Notify) -> None:
        self.engine = engine
        self.notify = notify

    @property
    def focus(self) -> Any | None:
        return getattr(self.engine, "focus", None)

    @property
    def breaks(self) -> Any | None:
        return getattr(self.engine, "breaks", None)

    def start_focus(self, minutes: int) -> bool:
        if self.focus is None:
            self.notify("Focus sessions are not available yet",
                        f"A {minutes}-minute focus session needs focus mode, which is not part "
                        "of this version yet. Nothing was started.")
            return False
        try:
            self.focus.start(minutes * 60.0)
        except Exception as exc:  # already running, hosts helper refused...
            self.notify("No focus session started", str(exc))
            return False
        return True

    def take_break(self) -> bool:
        if self.breaks is None:
            self.notify("Break reminders are not available yet",
                        "Breaks need the break reminder, which is not part of this version "
                        "yet. Step away anyway: your eyes will thank you.")
            return False
        try:
            self.breaks.take_now()
        except Exception as exc:  # a break is already on, breaks are off...
            self.notify("No break started", str(exc))
            return False
        return True


def habit_state(status: Any) -> str | None:
    """'focus' or 'break' when the engine status says so (fields added by issue 5)."""
    if getattr(status, "break_due", False):
        return "break"
    if getattr(status, "focus_active", False):
        return "focus"
    return None
