"""Idle fallbacks of other platforms, on recorded inputs (no such system here)."""

from __future__ import annotations

import pytest

from watchers import gdbus
from watchers.idle import IdleWatcher, create_idle_watcher
from watchers.idle.gnome import MutterIdle, parse_idletime
from watchers.idle.macos import ANY_INPUT_EVENT, COMBINED_SESSION_STATE, QuartzIdle
from watchers.idle.windows import LastInputIdle, elapsed_ms
from watchers.window import WatcherUnavailable


def test_get_last_input_info_ticks_wrap_around():
    assert elapsed_ms(10_500, 10_000) == 500
    # GetTickCount wraps after 49.7 days: last input just before, now just after.
    assert elapsed_ms(200, 0xFFFFFF00) == 456
    assert LastInputIdle(read_ticks=lambda: (90_000, 30_000)).seconds_idle() == 60.0


def test_quartz_asks_for_any_input_in_the_combined_session():
    asked = []

    def seconds_since(state, event_type):
        asked.append((state, event_type))
        return 12.5

    assert QuartzIdle(seconds_since).seconds_idle() == 12.5
    assert asked == [(COMBINED_SESSION_STATE, ANY_INPUT_EVENT)]
    assert QuartzIdle(lambda s, t: -0.001).seconds_idle() == 0.0


def test_mutter_idle_monitor_reply():
    # `gdbus call --session --dest org.gnome.Mutter.IdleMonitor --object-path
    #  /org/gnome/Mutter/IdleMonitor/Core --method org.gnome.Mutter.IdleMonitor.GetIdletime`
    assert parse_idletime(gdbus.parse_gvariant("(uint64 61234,)\n")) == pytest.approx(61.234)
    assert MutterIdle(call=lambda *a: (1500,)).seconds_idle() == 1.5
    with pytest.raises(WatcherUnavailable):
        parse_idletime(("x",))


class Timer:
    name = "idle.test"

    def __init__(self, seconds=None):
        self.seconds = seconds

    def seconds_idle(self):
        if self.seconds is None:
            raise WatcherUnavailable("timer gone")
        return self.seconds

    def close(self):
        pass


def test_combined_without_hooks_uses_the_timer_and_reports_failures():
    idle = IdleWatcher(None, Timer(7.0))
    assert idle.seconds_idle() == 7.0 and idle.source == "idle.test"
    assert not idle.counts_available
    idle.fallback.seconds = None
    with pytest.raises(WatcherUnavailable, match="timer gone"):
        idle.seconds_idle()
    assert idle.source is None
    assert idle.warnings == ("system idle time unavailable: timer gone",)


def test_transitions_of_a_polled_timer_are_counted_without_hooks():
    """Input after a reading of at least a second idle is one idle→active transition; idle
    growing, or dropping from under a second, is none. Counted only where asked."""
    timer = Timer(0.2)
    idle = IdleWatcher(None, timer, count_transitions=True)
    assert idle.counts_source == "idle.test"
    for seconds in (0.2, 0.1, 0.8, 0.3, 2.0, 6.0, 0.05, 0.4, 1.5, 0.0):
        timer.seconds = seconds
        idle.seconds_idle()
    assert idle.take_counts().measured() == {"idle_to_active": 2}
    assert idle.take_counts().measured() == {"idle_to_active": 0}
    assert IdleWatcher(None, Timer(3.0)).counts_source is None
    timer.seconds = None  # the timer went away: nothing is counted, so nothing is reported
    with pytest.raises(WatcherUnavailable):
        idle.seconds_idle()
    assert idle.counts_source is None


@pytest.mark.parametrize(("session", "fallback", "note"), [
    ("wayland-gnome", "idle.mutter", "input counts are not measured"),
    ("wayland-kde", None, "idle time unavailable on wayland-kde"),
])
def test_wayland_sessions(session, fallback, note):
    idle = create_idle_watcher(session)
    assert idle.hooks is None
    assert (idle.fallback.name if idle.fallback else None) == fallback
    assert any(note in w for w in idle.warnings)


class Hooks:
    """Hooks that saw input `seconds` ago (None: none yet)."""

    name = "idle.hooks"

    def __init__(self, seconds):
        self.seconds, self.restarted = seconds, 0

    @property
    def has_seen_input(self):
        return self.seconds is not None

    def seconds_idle(self):
        return 3.0 if self.seconds is None else self.seconds

    def restart(self):
        self.restarted += 1


class CountedTimer(Timer):
    def __init__(self, seconds=None):
        super().__init__(seconds)
        self.asked = 0

    def seconds_idle(self):
        self.asked += 1
        return super().seconds_idle()


def test_hooks_that_heard_input_lately_answer_without_asking_the_timer():
    """Within DEAF_SECONDS of input the timer cannot prove the hooks deaf: not asked."""
    from watchers.idle.combined import DEAF_SECONDS

    timer, hooks = CountedTimer(0.5), Hooks(2.0)
    idle = IdleWatcher(hooks, timer)
    assert idle.seconds_idle() == 2.0 and idle.source == "idle.hooks" and timer.asked == 0
    hooks.seconds = DEAF_SECONDS + 1  # long without input: the timer is asked, and says deaf
    assert idle.seconds_idle() == 0.5 and idle.source == "idle.test" and timer.asked == 1
    assert hooks.restarted == 1
    hooks.seconds = None  # no input seen yet: the timer answers
    assert idle.seconds_idle() == 0.5 and timer.asked == 2
