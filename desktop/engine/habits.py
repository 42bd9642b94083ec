"""Focus mode and break reminders inside the engine: `engine.focus` and `engine.breaks`,
built from the engine's rules and store, fed after every poll, their events sent to the
engine's listeners."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.engine.breaks import BreakScheduler, BreakSettings
from desktop.engine.focus.controller import ElevatedHosts, FocusController
from desktop.engine.focus.stats import FocusStats
from watchers.observation import Observation

log = logging.getLogger(__name__)

# The hosts file focus mode manages; the system's unless set (tests, unusual systems).
HOSTS_ENV = "TIMEFORGED_HOSTS_FILE"


def create_habits(engine: Any, emit: Callable[[str, Any], None],
                  ) -> tuple[FocusController, BreakScheduler]:
    """The focus controller and the break scheduler for `engine`; a session left running by
    a crash is resumed or closed, an expired hosts block removed."""
    zone = engine.config.zone()
    hosts_file = os.environ.get(HOSTS_ENV)
    focus = FocusController(engine.rules, hosts=ElevatedHosts(Path(hosts_file) if hosts_file
                                                              else None),
                            stats=FocusStats(engine.store.path), emit=emit, zone=zone)
    breaks = BreakScheduler(BreakSettings(), emit, zone=zone)
    try:
        focus.recover()
    except Exception:  # an unreadable hosts file must not stop the engine
        log.exception("focus: recovery failed")
    return focus, breaks


def feed_habits(focus: FocusController, breaks: BreakScheduler, obs: Observation | None,
                now: float) -> None:
    """One poll's news for both; called from the engine thread, never raises."""
    try:
        focus.observe(obs)
    except Exception:
        log.exception("focus: poll failed")
    try:
        breaks.update(now, obs.idle_seconds if obs else None, obs.fullscreen if obs else False)
    except Exception:
        log.exception("breaks: poll failed")


def close_habits(focus: FocusController) -> None:
    focus.close()
    if focus.stats is not None:
        focus.stats.close()
