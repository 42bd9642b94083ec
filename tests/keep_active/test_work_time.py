"""Working hours shared by tracking, breaks and focus schedules; breaks and blocking wait
during a call and say so."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.engine.breaks import BreakScheduler, BreakSettings
from desktop.engine.config import ConfigError, WorkingHoursConfig, field_problem, load_config
from desktop.engine.focus.session import FocusError, FocusPlan
from desktop.engine.habits import hold_reason
from desktop.engine.working_hours import WorkingHours
from watchers.observation import Observation

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def test_working_hours_contain_weekday_office_time_only():
    hours = WorkingHours.parse(["weekdays 09:00-17:30"])
    assert hours.contains(at("2026-12-07 09:00"), PARIS)  # a Monday
    assert not hours.contains(at("2026-12-07 17:30"), PARIS)
    assert not hours.contains(at("2026-12-06 10:00"), PARIS)  # a Sunday
    assert WorkingHours().contains(at("2026-12-06 03:00"), PARIS)  # none set: always


def test_focus_schedules_may_say_working_hours():
    hours = WorkingHours.parse(["weekdays 09:00-12:00", "weekdays 13:00-17:30"])
    plan = FocusPlan(minutes=25)
    made = hours.focus_schedules(["during working hours", "sat 10:00-11:00"], plan)
    assert [(s.start.hour, s.end.hour, s.plan) for s in made] == [
        (9, 12, plan), (13, 17, plan), (10, 11, plan)]
    with pytest.raises(FocusError, match="no working hours are set"):
        WorkingHours().focus_schedules(["working hours"], plan)
    with pytest.raises(FocusError):
        WorkingHours.parse(["working hours"])


def test_config_checks_working_hours_where_typed(tmp_path):
    assert field_problem(WorkingHoursConfig, "schedule", ["weekdays 09:00-17:30"]) is None
    assert "not a schedule" in field_problem(WorkingHoursConfig, "schedule", ["9 to 5"])
    assert "need days and times" in field_problem(WorkingHoursConfig, "schedule",
                                                  ["working hours"])
    path = tmp_path / "config.toml"
    path.write_text('[working_hours]\nschedule = ["weekdays 09:00-17:30"]\n'
                    'track_only_inside = true\n[keep_active]\naudio = false\n'
                    '[focus]\nschedules = ["working hours"]\n')
    config = load_config(path, env={})
    assert config.working_hours.track_only_inside and not config.keep_active.audio
    path.write_text('[working_hours]\nschedule = "weekdays"\n')
    with pytest.raises(ConfigError, match=r"working_hours\.schedule"):
        load_config(path, env={})


def test_breaks_wait_during_a_call_and_say_so():
    events = []
    breaks = BreakScheduler(BreakSettings(micro_interval=60, warning=0),
                            lambda kind, info: events.append((kind, info)))
    breaks.update(0, 0)
    breaks.update(50, 0)
    call = Observation(time=60, app="zoom", active_reason="meeting", idle_seconds=300)
    reason = hold_reason(call, pause_in_calls=True, inside_hours=True)
    assert reason == "you are in a call"
    for t in range(60, 600, 10):
        status = breaks.update(t, 300, False, hold=reason)
    assert status.state == "paused" and status.paused_reason == "you are in a call"
    assert [k for k, _ in events] == ["breaks_paused"]
    breaks.update(600, 0)
    breaks.update(611, 0)  # the 50 s counted before the call + 11 s: due now
    assert [k for k, _ in events] == ["breaks_paused", "breaks_resumed", "break_due"]


def test_hold_reasons():
    obs = Observation(time=0, active_reason="screen_share")
    assert hold_reason(obs, True, True) == "you are sharing your screen"
    assert hold_reason(obs, False, True) is None
    assert hold_reason(Observation(time=0, active_reason="audio"), True, True) is None
    assert hold_reason(None, True, False) == "outside working hours"


def test_blocking_waits_during_a_call_and_says_so(tmp_path):
    from desktop.engine.focus.controller import FocusController
    from desktop.engine.rules import Rules

    events = []
    focus = FocusController(Rules.load(None), emit=lambda k, p: events.append((k, p)),
                            clock=lambda: 1000.0)
    try:
        focus.start(FocusPlan(minutes=25, block_apps=("steam",)), now=1000.0)
        steam = Observation(time=1001, app="steam", title="Steam")
        assert focus.observe(steam, hold="you are in a call") is None
        assert focus.observe(steam, hold="you are in a call") is None
        assert focus.observe(steam) is not None
        held = [(k, p) for k, p in events if k in ("focus_held", "focus_unheld")]
        assert held == [("focus_held", "you are in a call"), ("focus_unheld", None)]
    finally:
        focus.close()
