"""Focus mode and break reminders inside the engine: `engine.focus` and `engine.breaks`,
built from the engine's rules and store, fed after every poll, their events sent to the
engine's listeners."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.engine.breaks import SLEEP_GAP_SECONDS, BreakScheduler, BreakSettings
from desktop.engine.config import BreaksConfig, FocusConfig
from desktop.engine.focus.blocklist import normalize_site
from desktop.engine.focus.controller import ElevatedHosts, FocusController
from desktop.engine.focus.hosts import HostsError
from desktop.engine.focus.session import FocusError, FocusPlan, Schedule
from desktop.engine.focus.stats import FocusStats
from desktop.engine.working_hours import WorkingHours
from watchers.keep_active import IN_CALL
from watchers.observation import Observation

log = logging.getLogger(__name__)

# The hosts file focus mode manages; the system's unless set (tests, unusual systems).
HOSTS_ENV = "TIMEFORGED_HOSTS_FILE"
# Why breaks and blocking wait, by keep-active reason ("Breaks paused: you are in a call").
HOLD_WORDS = {"meeting": "you are in a call", "screen_share": "you are sharing your screen",
              "fullscreen": "a fullscreen window is up"}


def create_habits(engine: Any, emit: Callable[[str, Any], None],
                  ) -> tuple[FocusController, BreakScheduler]:
    """The focus controller and the break scheduler for `engine`; a session left running by
    a crash is resumed or closed, an expired hosts block removed."""
    zone = engine.config.zone()
    settings = engine.config.focus
    hosts_file = os.environ.get(HOSTS_ENV)
    hosts = (ElevatedHosts(Path(hosts_file) if hosts_file else None) if settings.hosts_block
             else None)
    focus = FocusController(engine.rules, hosts=hosts, stats=FocusStats(engine.store.path),
                            emit=emit, zone=zone, schedules=schedules(engine),
                            minimize=settings.minimize_blocked,
                            default_plan=default_plan(engine.config.focus))
    breaks = BreakScheduler(break_settings(engine.config.breaks), emit, zone=zone,
                            sleep_gap=max(SLEEP_GAP_SECONDS,
                                          3 * engine.config.tracking.poll_interval))
    try:
        focus.recover()
    except Exception:  # an unreadable hosts file must not stop the engine
        log.exception("focus: recovery failed")
    return focus, breaks


def break_settings(config: BreaksConfig) -> BreakSettings:
    limit = config.daily_limit_minutes
    return BreakSettings(
        enabled=config.enabled, micro_interval=config.micro_interval_minutes * 60,
        micro_duration=config.micro_duration_seconds,
        long_interval=config.long_interval_minutes * 60,
        long_duration=config.long_duration_minutes * 60, warning=config.warning_seconds,
        postpone=config.postpone_minutes * 60, max_postpones=config.max_postpones,
        strict=config.strict, do_not_disturb=config.do_not_disturb,
        daily_limit=None if limit is None else limit * 60)


def default_plan(config: FocusConfig) -> FocusPlan:
    """What a session started without options blocks (config [focus])."""
    sites = []
    for site in config.block_sites:
        try:
            sites.append(normalize_site(site))
        except HostsError:
            log.warning("focus: %r in [focus] block_sites is not a site name; ignored", site)
    return FocusPlan(minutes=config.default_minutes, block_sites=tuple(sites),
                     block_apps=tuple(config.block_apps),
                     block_distracting=config.block_distracting)


def schedules(engine: Any) -> list[Schedule]:
    plan = default_plan(engine.config.focus)
    hours = working_hours(engine)
    out = []
    for text in engine.config.focus.schedules:
        try:
            out += hours.focus_schedules([text], plan)
        except FocusError as exc:
            engine.warnings.append(f"focus schedule: {exc}; ignored")
    return out


def working_hours(engine: Any) -> WorkingHours:
    """The configured working hours; bad ones are a warning and mean none."""
    try:
        return WorkingHours.parse(engine.config.working_hours.schedule)
    except FocusError as exc:
        engine.warnings.append(f"working hours: {exc}; ignored")
        return WorkingHours()


def hold_reason(obs: Observation | None, pause_in_calls: bool, inside_hours: bool,
                ) -> str | None:
    """Why breaks (and, in a call, blocking) wait now, in words, or None."""
    if pause_in_calls and obs is not None and obs.active_reason in IN_CALL:
        return HOLD_WORDS[obs.active_reason]
    if not inside_hours:
        return "outside working hours"
    return None


def feed_habits(focus: FocusController, breaks: BreakScheduler, obs: Observation | None,
                now: float, hold: str | None = None) -> None:
    """One poll's news for both; called from the engine thread, never raises. `hold`: why
    breaks wait (hold_reason); blocking waits too during a call, never for working hours."""
    try:
        focus.observe(obs, hold=hold if hold in HOLD_WORDS.values() else None)
    except Exception:
        log.exception("focus: poll failed")
    try:
        breaks.update(now, obs.idle_seconds if obs else None, obs.fullscreen if obs else False,
                      hold=hold)
    except Exception:
        log.exception("breaks: poll failed")


def close_habits(focus: FocusController) -> None:
    focus.close()
    if focus.stats is not None:
        focus.stats.close()
