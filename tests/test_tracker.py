"""The tracker fed with scripted observations on a controllable clock (epoch seconds)."""

from __future__ import annotations

import itertools
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.engine.span import Span
from desktop.engine.tracker import Tracker, volatile_free
from watchers.observation import TRANSITION_COUNTS, ActivityCounts, Observation

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


class Recorder:
    """The writer's view: the latest version of each span by uuid, in first-seen order."""

    def __init__(self) -> None:
        self.latest: dict[str, Span] = {}
        self.calls = 0

    def __call__(self, span: Span) -> None:
        self.calls += 1
        self.latest[span.uuid] = span

    @property
    def spans(self) -> list[Span]:
        return [s for s in self.latest.values() if s.duration > 0]


class Script:
    """A clock that advances one poll at a time, feeding the tracker as it goes."""

    def __init__(self, tracker: Tracker, start: float = T0) -> None:
        self.tracker, self.now = tracker, start

    def run(self, seconds: float, step: float = 1.0, **fields) -> None:
        """Observe `fields` every `step` seconds for `seconds`, starting now."""
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.tracker.observe(Observation(time=self.now, **fields))
            self.now += step

    def jump(self, seconds: float) -> None:
        self.now += seconds


def make(**kwargs) -> tuple[Tracker, Recorder, Script]:
    rec = Recorder()
    tracker = Tracker("dev", rec, **kwargs)
    return tracker, rec, Script(tracker)


def test_equal_observations_merge_into_one_span():
    tracker, rec, clock = make()
    clock.run(60, app="code", title="main.py - code", idle_seconds=0.5,
              activity=ActivityCounts(keystrokes=2, clicks=1))
    clock.run(30, app="firefox", title="Docs", idle_seconds=0.5)
    tracker.close(clock.now)
    first, second = rec.spans
    assert (first.start, first.end) == (T0, T0 + 60)
    assert (first.app, first.title, first.source, first.device) == (
        "code", "main.py - code", "window", "dev")
    assert first.keystrokes == 120 and first.clicks == 60
    assert (second.start, second.end) == (T0 + 60, T0 + 90)
    assert tracker.current is None


def test_idle_to_active_transitions_add_up_where_input_is_not_counted():
    """Wayland: the observations carry idle→active transitions, not keystrokes."""
    tracker, rec, clock = make()
    resumed = ActivityCounts(idle_to_active=1, counted=TRANSITION_COUNTS)
    clock.run(3, app="code", title="main.py - code", idle_seconds=0.0, activity=resumed)
    clock.run(2, app="code", title="main.py - code", idle_seconds=0.5)
    tracker.close(clock.now)
    (span,) = rec.spans[-1:]
    assert (span.idle_to_active, span.keystrokes, span.clicks) == (3, 0, 0)


def test_sink_gets_growing_copies_and_current_is_a_copy():
    tracker, rec, clock = make()
    clock.run(5, app="a", title="x")
    assert rec.calls == 4  # opened at T0 (not yet long), grown at T0+1..T0+4
    current = tracker.current
    current.title = "changed"
    assert tracker.current.title == "x"
    assert len({id(s) for s in rec.latest.values()}) == 1


def test_idle_cuts_the_span_at_the_last_input():
    tracker, rec, clock = make(idle_timeout=180)
    clock.run(100, app="code", title="t", idle_seconds=0)
    # no input from T0+100 on: idle grows with the clock, noticed when it reaches 180 s
    for _ in range(200):
        tracker.observe(Observation(time=clock.now, app="code", title="t",
                                    idle_seconds=clock.now - (T0 + 99)))
        clock.now += 1
    assert tracker.current is None
    (span,) = rec.spans
    assert (span.start, span.end) == (T0, T0 + 99)
    clock.run(10, app="code", title="t", idle_seconds=0)  # back: a new span
    assert tracker.current.start == T0 + 300


def test_audible_counts_as_active_while_idle():
    tracker, rec, clock = make(idle_timeout=60)
    clock.run(600, app="firefox", title="Talk - YouTube", idle_seconds=1000, audible=True)
    tracker.close(clock.now)
    (span,) = rec.spans
    assert span.duration == 600 and span.audible


def test_no_window_counts_nothing_and_ends_the_open_span():
    tracker, rec, clock = make()
    clock.run(10, app="code", title="t", idle_seconds=0.0)
    clock.run(30, idle_seconds=0.0, activity=ActivityCounts(keystrokes=3))  # no display
    clock.run(5, app="", title="", idle_seconds=0.0)  # a watcher that sees nothing focused
    clock.run(10, app="code", title="t", idle_seconds=0.0)
    tracker.close(clock.now)
    assert [(s.start - T0, s.end - T0, s.app) for s in rec.spans] == [
        (0, 10, "code"), (45, 55, "code")]


def test_sleep_gap_ends_the_span_one_poll_after_the_last():
    tracker, rec, clock = make(poll_interval=1.0)
    clock.run(50, app="code", title="t")
    clock.jump(3600)  # suspended for an hour
    clock.run(20, app="code", title="t")
    tracker.close(clock.now)
    first, second = rec.spans
    assert (first.start, first.end) == (T0, T0 + 50)
    assert (second.start, second.end) == (T0 + 3650, T0 + 3670)
    assert sum(s.duration for s in rec.spans) == 70


def test_clock_going_backwards_ends_the_span():
    tracker, rec, clock = make()
    clock.run(10, app="a", title="x")
    clock.jump(-100)
    clock.run(10, app="a", title="x")
    tracker.close(clock.now)
    assert [s.duration for s in rec.spans] == [10, 10]


def test_suspend_signal_ends_the_span_and_the_next_poll_starts_fresh():
    tracker, rec, clock = make()
    clock.run(10, app="a", title="x")
    tracker.suspend(clock.now)
    clock.jump(5)  # a short lock: below the sleep gap, still not counted
    clock.run(10, app="a", title="x")
    tracker.close(clock.now)
    assert [(s.start - T0, s.end - T0) for s in rec.spans] == [(0, 10), (15, 25)]


def test_close_never_counts_past_one_poll_after_the_last():
    tracker, rec, clock = make()
    clock.run(10, app="a", title="x")
    tracker.close(clock.now + 500)
    assert rec.spans[0].end == T0 + 10


@pytest.mark.parametrize("titles", [
    [f"Timer {m:02d}:{s:02d}" for m in range(2) for s in range(60)],
    [f"Downloading {p}%" for p in range(100)],
    [f"({n}) Inbox - mail" for n in range(30)],
    [f"{c} building" for c in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"],
])
def test_volatile_titles_make_one_span_with_the_latest_title(titles):
    tracker, rec, clock = make()
    for title in titles:
        clock.run(1, app="app", title=title)
    tracker.close(clock.now)
    (span,) = rec.spans
    assert span.title == titles[-1]
    assert span.duration == len(titles)


def test_different_titles_still_split():
    assert volatile_free("a.py - code") != volatile_free("b.py - code")
    tracker, rec, clock = make()
    clock.run(5, app="code", title="a.py")
    clock.run(5, app="code", title="b.py")
    clock.run(5, app="code", title="a.py", branch="dev")
    tracker.close(clock.now)
    assert [s.duration for s in rec.spans] == [5, 5, 5]


def test_fields_are_mapped_from_the_observation():
    tracker, rec, clock = make()
    clock.run(3, app="firefox", title="PR", url="https://github.com/x/y", site="github.com",
              browser="firefox", private=False, audible=None, editor=None, file="",
              project="y", branch="main", language="Python", terminal=None)
    tracker.close(clock.now)
    (span,) = rec.spans
    assert (span.url, span.site, span.browser, span.project, span.branch, span.language) == (
        "https://github.com/x/y", "github.com", "firefox", "y", "main", "Python")
    assert span.file is None and span.private is False and span.audible is False


def test_redactor_can_rewrite_or_drop_before_the_sink_sees_anything():
    def redact(span: Span) -> Span | None:
        if span.app == "keepass":
            return None
        if "bank" in (span.title or ""):
            return span.replace(title="[redacted]", url=None)
        return span

    tracker, rec, clock = make(redactor=redact)
    clock.run(5, app="firefox", title="my bank 1", url="https://bank/1")
    clock.run(5, app="firefox", title="my bank 2", url="https://bank/2")
    clock.run(5, app="keepass", title="passwords")
    clock.run(5, app="code", title="x")
    tracker.close(clock.now)
    assert [(s.app, s.title, s.duration) for s in rec.spans] == [
        ("firefox", "[redacted]", 10), ("code", "x", 5)]
    assert all("bank" not in repr(s) and "passwords" not in repr(s) for s in rec.latest.values())


def test_results_do_not_depend_on_the_local_time_zone(monkeypatch):
    results = []
    for zone in ("UTC", "America/New_York", "Asia/Kolkata"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        tracker, rec, clock = make()
        clock.run(30, app="a", title="x")
        clock.run(30, app="b", title="y")
        tracker.close(clock.now)
        results.append([(s.start, s.end, s.app) for s in rec.spans])
    monkeypatch.delenv("TZ")
    time.tzset()
    assert results[0] == results[1] == results[2]
    assert os.environ.get("TZ") is None


def test_an_hour_of_polls_is_fast():
    _tracker, rec, clock = make()
    started = time.perf_counter()
    clock.run(3600, app="code", title="Tick 1", idle_seconds=0.1)
    assert time.perf_counter() - started < 1.0
    assert len(rec.latest) == 1


def test_a_span_across_a_dst_change_keeps_its_real_length(monkeypatch):
    # 2024-03-31 01:00 UTC: Berlin jumps from 02:00 to 03:00 local; the span is still 2 h.
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        tracker, rec, clock = make(poll_interval=5.0)
        clock.now = 1711843200.0  # 2024-03-31 00:00 UTC
        clock.run(7200, step=5, app="code", title="x")
        tracker.close(clock.now)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    (span,) = rec.spans
    assert span.duration == 7200  # the last poll at +7195, closed one poll interval later


def test_with_the_default_rules_as_redactor():
    from desktop.engine.rules import REDACTED, Rules

    tracker, rec, clock = make(redactor=Rules.load(None).redact)
    clock.run(10, app="firefox", title="Secret stuff - Private Browsing", private=True,
              url="https://example.org/secret")
    clock.run(10, app="KeePassXC", title="bank.kdbx - KeePassXC")
    tracker.close(clock.now)
    assert [(s.title, s.url) for s in rec.spans] == [(REDACTED, None), (REDACTED, None)]


def test_when_the_sound_stops_while_idle_the_span_ends_there():
    tracker, rec, clock = make(idle_timeout=180)
    clock.run(10, app="firefox", title="Talk - YouTube", idle_seconds=0)
    for _ in range(1800):  # a 30 min video, no input
        tracker.observe(Observation(time=clock.now, app="firefox", title="Talk - YouTube",
                                    idle_seconds=clock.now - (T0 + 9), audible=True))
        clock.now += 1
    # the video ended: silent, idle for half an hour
    tracker.observe(Observation(time=clock.now, app="firefox", title="Talk - YouTube",
                                idle_seconds=clock.now - (T0 + 9)))
    assert tracker.current is None
    (span,) = rec.spans
    assert (span.start, span.end) == (T0, T0 + 1809)


@st.composite
def sessions(draw):
    """Observations on a consistent clock: idle_seconds is the time since the last input."""
    steps = draw(st.lists(st.tuples(
        st.sampled_from([1.0, 1.0, 1.0, 1.0, 2.0, 0.5, 60.0, 5000.0]),  # time since last poll
        st.sampled_from(["code", "firefox", "kitty"]),
        st.sampled_from(["a", "b", "Tick 1", "Tick 2"]),
        st.booleans(),  # input happened since the last poll
        st.sampled_from([False, False, False, True]),  # audible
    ), min_size=1, max_size=300))
    t, last_input, out = T0, T0, []
    for dt, app, title, typed, audible in steps:
        t += dt
        if typed:
            last_input = t
        out.append(Observation(time=t, app=app, title=title, idle_seconds=t - last_input,
                               audible=audible))
    return out


@settings(max_examples=200, deadline=None)
@given(sessions())
def test_invariants_on_random_sessions(observations):
    from desktop.engine.tracker import merge_key

    tracker, rec, _clock = make(idle_timeout=30, poll_interval=1.0)
    for obs in observations:
        tracker.observe(obs)
    tracker.close(observations[-1].time + 1)
    spans = sorted(rec.latest.values(), key=lambda s: s.start)
    for s in spans:
        assert s.end >= s.start
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start  # never overlapping
        if a.end == b.start and a.duration and b.duration:
            assert merge_key(a) != merge_key(b)  # equal neighbours would have merged
    # every active poll with a next poll soon after is inside a span; no span covers a sleep
    for obs, nxt in itertools.pairwise(observations):
        gap = nxt.time - obs.time
        active = obs.idle_seconds < 30 or obs.audible
        idle_soon = nxt.idle_seconds >= 30 and not nxt.audible
        if active and 0 < gap <= 10 and not idle_soon:
            assert any(s.start <= obs.time < s.end for s in spans), obs
        if gap > 10:
            assert not any(s.start < obs.time + 1 < s.end and s.end > nxt.time for s in spans)
    elapsed = observations[-1].time + 1 - observations[0].time
    assert sum(s.duration for s in spans) <= elapsed
