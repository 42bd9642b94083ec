"""The engine with working hours and keep-active reasons: a real store, scripted polls (the
one thing that cannot run here is the user)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from desktop.engine.config import Config
from desktop.engine.service import Engine
from watchers.observation import Observation

PARIS = ZoneInfo("Europe/Paris")
MONDAY_1659 = datetime(2026, 12, 7, 16, 59, tzinfo=PARIS).timestamp()


class Scripted:
    def __init__(self) -> None:
        self.next: list[Observation] = []

    def poll(self) -> Observation:
        return self.next.pop(0)

    def close(self) -> None:
        pass


def engine_on(tmp_path, **hours) -> tuple[Engine, Scripted, list]:
    config = Config(timezone="Europe/Paris")
    config.api.enabled = False
    config.focus.hosts_block = False
    config.tracking.idle_timeout = 60
    config.working_hours.schedule = ["weekdays 09:00-17:00"]
    for key, value in hours.items():
        setattr(config.working_hours, key, value)
    poller = Scripted()
    engine = Engine(tmp_path / "tf", config, poller=poller)
    events: list = []
    engine.subscribe(lambda kind, payload: events.append((kind, payload)))
    return engine, poller, events


def run(engine: Engine, poller: Scripted, polls: list[Observation]) -> None:
    for obs in polls:
        poller.next.append(obs)
        engine.step()


def test_track_only_inside_working_hours_ends_the_span_at_the_end_of_the_day(tmp_path):
    engine, poller, _ = engine_on(tmp_path, track_only_inside=True)
    run(engine, poller, [Observation(time=MONDAY_1659 + i, app="Geany", title="a.py",
                                     idle_seconds=0) for i in range(0, 120, 1)])
    engine.stop()
    spans = engine.store.spans(0, 4e9)
    assert [(s.start - MONDAY_1659, s.end - MONDAY_1659) for s in spans] == [(0, 60)]


def test_a_call_keeps_time_active_and_holds_breaks_outside_hours_too(tmp_path):
    engine, poller, events = engine_on(tmp_path)
    call = [Observation(time=MONDAY_1659 - 3600 + i, app="zoom", title="Zoom Meeting",
                        idle_seconds=float(i), active_reason="meeting") for i in range(300)]
    run(engine, poller, call)
    assert engine.status().state == "tracking"
    assert engine.tracker.current.end - engine.tracker.current.start == 299
    assert ("breaks_paused", "you are in a call") in events
    assert engine.breaks.status(call[-1].time).paused_reason == "you are in a call"
    run(engine, poller, [Observation(time=MONDAY_1659 + 7200, app="Geany", title="a.py",
                                     idle_seconds=0)])
    assert engine.breaks.status().paused_reason == "outside working hours"
    engine.stop()
