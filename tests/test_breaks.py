"""Break scheduling on a controllable clock; idle time and full screen from a real X server."""

from __future__ import annotations

import time

import pytest

from desktop.engine.breaks import LONG, MICRO, BreakError, BreakScheduler, BreakSettings


class Clock:
    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Recorder(list):
    def __call__(self, kind, payload) -> None:
        self.append((kind, payload))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self]


def run(sched: BreakScheduler, clock: Clock, seconds: float, idle: float = 0.0,
        fullscreen: bool = False, step: float = 1.0) -> None:
    """Poll every `step` seconds for `seconds`, with the user's idle time growing from `idle`
    when idle > 0 (no input), staying at 0 when active."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        sched.update(clock.now, idle, fullscreen)
        if idle:
            idle += step


def make(**settings) -> tuple[BreakScheduler, Clock, Recorder]:
    clock, events = Clock(), Recorder()
    return BreakScheduler(BreakSettings(**settings), events, clock=clock), clock, events


def test_micro_break_after_20_active_minutes_with_warning():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    run(sched, clock, 20 * 60 - 31)
    assert events.kinds() == []
    run(sched, clock, 1)
    assert events.kinds() == ["break_warning"] and events[0][1]["kind"] == MICRO
    run(sched, clock, 30)
    assert events.kinds() == ["break_warning", "break_due"]
    info = events[-1][1]
    assert info.kind == MICRO and info.duration == 20 and info.can_postpone and info.can_skip
    assert sched.status().state == "break"
    run(sched, clock, 20)
    assert events.kinds()[-1] == "break_ended"
    status = sched.status()
    assert status.state == "counting" and status.micro_in == 20 * 60


def test_long_break_every_hour_replaces_the_micro_break():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    for _ in range(2):  # two micro breaks taken, 40 active minutes
        run(sched, clock, 20 * 60)
        run(sched, clock, 20)
    run(sched, clock, 20 * 60)
    started = [p for k, p in events if k == "break_due"]
    assert [b.kind for b in started] == [MICRO, MICRO, LONG]
    assert started[-1].duration == 300
    run(sched, clock, 300)
    assert sched.status().long_in == 3600 and sched.status().micro_in == 1200


def test_natural_break_resets_the_timer():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    run(sched, clock, 15 * 60)
    run(sched, clock, 25, idle=1)  # away from the keyboard for 25 s: a natural micro break
    assert sched.status().micro_in == 20 * 60
    long_in = sched.status().long_in
    assert long_in == 45 * 60  # the idle seconds first counted as reading are taken back
    run(sched, clock, 15 * 60)
    assert "break_due" not in events.kinds()
    run(sched, clock, 6 * 60, idle=1)  # a long pause resets the long timer too
    assert sched.status().long_in == 3600


def test_sleep_is_a_natural_break_not_activity():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    run(sched, clock, 19 * 60)
    clock.now += 2 * 3600  # the laptop slept; the idle timer may not say so
    sched.update(clock.now, 0)
    assert events.kinds() == [] and sched.status().micro_in == 1200
    assert sched.status().long_in == 3600 and sched.status().active_today == 19 * 60


def test_short_pauses_do_not_reset():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    for _ in range(20):
        run(sched, clock, 50)
        run(sched, clock, 10, idle=1)  # 10 s reading pauses: below the break length
    assert events.kinds()[-1] == "break_due"


def test_postpone_is_limited():
    sched, clock, events = make(max_postpones=2, postpone=120)
    sched.update(clock.now, 0)
    run(sched, clock, 20 * 60)
    for left in (2, 1):
        current = sched.status().current
        assert current.postpones_left == left
        back = sched.postpone()
        assert back == clock.now + 120 and sched.status().state != "break"
        run(sched, clock, 120)
        assert events.kinds()[-1] == "break_due"
    assert not sched.status().current.can_postpone
    with pytest.raises(BreakError, match="no postpones left"):
        sched.postpone()
    sched.skip()
    assert events.kinds()[-1] == "break_skipped"
    run(sched, clock, 20 * 60)  # the next break may be postponed again
    assert sched.status().current.postpones_left == 2


def test_strict_mode_has_neither_postpone_nor_skip():
    sched, clock, events = make(strict=True)
    info = sched.take_now(LONG)
    assert not info.can_postpone and not info.can_skip
    with pytest.raises(BreakError, match="strict"):
        sched.postpone()
    with pytest.raises(BreakError, match="strict"):
        sched.skip()
    run(sched, clock, 300)
    assert events.kinds() == ["break_due", "break_ended"]


def test_do_not_disturb_defers_until_full_screen_ends():
    sched, clock, events = make()
    sched.update(clock.now, 0)
    run(sched, clock, 25 * 60, fullscreen=True)
    assert events.kinds() == ["break_warning", "break_deferred"]  # told once
    assert sched.status().state == "deferred"
    run(sched, clock, 1)
    assert events.kinds()[-1] == "break_due"


def test_daily_limit_is_told_once_a_day():
    sched, clock, events = make(daily_limit=3600, micro_interval=10**6, long_interval=10**6)
    sched.update(clock.now, 0)
    run(sched, clock, 3700, step=10)
    assert events.kinds() == ["daily_limit"]
    clock.now += 86400
    sched.update(clock.now, 0)
    run(sched, clock, 3700, step=10)
    assert events.kinds() == ["daily_limit", "daily_limit"]


# -- with a real X server: idle time from XScreenSaver, full screen from the window watcher --

@pytest.mark.x11
def test_real_idle_and_full_screen(x_session):
    from watchers.poller import Poller

    poller = Poller(session="x11", hooks=False)
    clock, events = Clock(), Recorder()
    # Short breaks so that a real pause of a few seconds counts as a natural break.
    sched = BreakScheduler(BreakSettings(micro_interval=600, micro_duration=2, long_interval=3600,
                                         long_duration=3, warning=30), events, clock=clock)

    def poll(advance: float) -> float:
        obs = poller.poll()
        clock.now += advance
        sched.update(clock.now, obs.idle_seconds, obs.fullscreen)
        return obs.idle_seconds

    try:
        x_session.xdotool("mousemove", "100", "100")
        poll(0)
        for i in range(5):  # 5 minutes of (simulated) time with real input
            x_session.xdotool("mousemove", str(200 + i), "200")
            assert poll(60) < 1
        assert sched.status().micro_in == pytest.approx(300)
        deadline = time.monotonic() + 10  # hands off the keyboard, for real
        while poll(0.2) < 3.2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched.status().micro_in == 600 and sched.status().long_in == 3600

        window = x_session.open_window("slides.pdf - presentation", "Evince")
        window.set_fullscreen(True)
        for i in range(11):  # 11 active minutes in full screen: the break waits
            x_session.xdotool("mousemove", str(300 + i), "300")
            poll(60)
        assert "break_deferred" in events.kinds() and "break_due" not in events.kinds()
        window.set_fullscreen(False)
        x_session.xdotool("mousemove", "400", "400")
        poll(1)
        assert events.kinds()[-1] == "break_due"
        window.close()
    finally:
        poller.close()
