"""Focus sessions end to end on a temporary hosts file and a real store file, with a
controllable clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.engine.focus.controller import FocusController
from desktop.engine.focus.hosts import HostsFile
from desktop.engine.focus.session import (
    LONG_BREAK,
    SHORT_BREAK,
    WORK,
    FocusError,
    FocusLocked,
    FocusPlan,
    Schedule,
    parse_duration,
)
from desktop.engine.focus.stats import FocusStats
from desktop.engine.rules import Rules
from desktop.engine.span import Span
from desktop.engine.store import Store
from watchers.observation import Observation

HOSTS = b"127.0.0.1 localhost\n::1 localhost\n"
ZONE = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=ZONE).timestamp()  # a Monday


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Recorder(list):
    def __call__(self, kind, payload) -> None:
        self.append((kind, payload))

    def kinds(self) -> list[str]:
        return [k for k, _ in self if k != "focus_hosts"]


@pytest.fixture
def env(tmp_path):
    hosts_path = tmp_path / "hosts"
    hosts_path.write_bytes(HOSTS)
    store = Store(tmp_path / "tf.sqlite")
    stats = FocusStats(store.path)
    clock, events = Clock(), Recorder()
    rules = Rules.load(None)
    made = []

    def make(**kw) -> FocusController:
        c = FocusController(rules, hosts=HostsFile(hosts_path), stats=stats, emit=events,
                            clock=clock, zone=ZONE, **kw)
        made.append(c)
        return c

    yield make, hosts_path, stats, clock, events, store
    for c in made:
        c.close()
    stats.close()
    store.close()


def browser(t: float, site: str, title: str) -> Observation:
    return Observation(time=t, app="firefox", title=title, browser="firefox", site=site,
                       idle_seconds=0.0)


def test_durations():
    assert parse_duration("50m") == 3000 and parse_duration("1h30m") == 5400
    assert parse_duration("25") == 1500 and parse_duration("1.5h") == 5400
    for bad in ("", "abc", "0m", "30s", "25h"):
        with pytest.raises(FocusError):
            parse_duration(bad)


def test_session_blocks_hosts_counts_attempts_and_completes(env):
    make, hosts_path, stats, clock, events, _ = env
    focus = make()
    session = focus.start(FocusPlan(minutes=50, block_sites=("https://www.example.org/x",)))
    focus.wait_hosts()
    block = HostsFile(hosts_path).block()
    assert block.until == int(T0 + 3000)
    assert {"example.org", "www.example.org", "reddit.com", "www.youtube.com"} <= set(
        block.domains)
    assert "github.com" not in block.domains  # productive sites are never blocked

    t = T0
    for site, title in [("github.com", "PR"), ("reddit.com", "Reddit"), ("reddit.com", "r/x"),
                        ("github.com", "PR"), ("reddit.com", "Reddit"), ("example.org", "x")]:
        t += 10
        focus.observe(browser(t, site, title))
    blocked = [p for k, p in events if k == "focus_blocked"]
    assert [(a.site, a.count) for a in blocked] == [("reddit.com", 1), ("reddit.com", 2),
                                                    ("example.org", 3)]
    assert "distracting" in blocked[0].reason and "blocked" in blocked[2].reason

    clock.now = T0 + 3000
    focus.tick(clock.now)
    focus.wait_hosts()
    assert hosts_path.read_bytes() == HOSTS
    assert events.kinds() == ["focus_started", "focus_phase", "focus_blocked", "focus_blocked",
                              "focus_blocked", "focus_ended"]
    assert session.outcome == "completed"
    summary = stats.summary(T0 - 60, T0 + 7200)
    assert (summary.completed, summary.abandoned) == (1, 0)
    assert summary.attempts_by_site == {"reddit.com": 2, "example.org": 1}


def test_allow_list_mode(env):
    make, *_ = env
    focus = make()
    focus.start(FocusPlan(minutes=25, allow_sites=("github.com", "docs.python.org"),
                          block_distracting=False))
    t = T0
    seen = []
    for site in ("github.com", "gist.github.com", "docs.python.org", "stackoverflow.com"):
        t += 5
        attempt = focus.observe(browser(t, site, site))
        seen.append(attempt.reason if attempt else None)
    assert seen[:3] == [None, None, None]
    assert seen[3] == "stackoverflow.com is not on the allow list"
    focus.wait_hosts()


def test_blocked_app(env):
    make, *_ = env
    focus = make()
    focus.start(FocusPlan(minutes=25, block_apps=("Steam",)))
    attempt = focus.observe(Observation(time=T0 + 1, app="steam", title="Steam"))
    assert attempt is not None and attempt.reason == "steam is blocked"
    focus.wait_hosts()


def test_pomodoro_phases(env):
    make, _, _stats, clock, events, _ = env
    plan = FocusPlan(minutes=25, pomodoro=True, cycles=8)
    phases = plan.phases(0)
    assert [p.kind for p in phases] == [WORK, SHORT_BREAK, WORK, SHORT_BREAK, WORK, SHORT_BREAK,
                                        WORK, LONG_BREAK] + [WORK, SHORT_BREAK] * 3 + [WORK]
    assert phases[7].end - phases[7].start == 15 * 60
    focus = make()
    focus.start(FocusPlan(minutes=25, pomodoro=True, cycles=2))
    for minute in range(0, 56):
        clock.now = T0 + minute * 60
        focus.tick(clock.now)
    phases_seen = [p["phase"] for k, p in events if k == "focus_phase"]
    assert phases_seen == [WORK, SHORT_BREAK, WORK]
    assert events.kinds()[-1] == "focus_ended"
    assert focus.status()["running"] is False
    focus.wait_hosts()


def test_locked_session(env):
    make, hosts_path, stats, _clock, _events, _ = env
    focus = make()
    focus.start(FocusPlan(minutes=90, locked=True))
    with pytest.raises(FocusLocked, match="cannot be ended early"):
        focus.stop()
    assert focus.status()["running"]
    focus.tick(T0 + 90 * 60)
    assert not focus.status()["running"]

    session = focus.start(FocusPlan(minutes=50, locked=True, unlock_chars=60), T0 + 6000)
    text = session.unlock_text
    assert len(text.replace(" ", "")) == 60
    with pytest.raises(FocusLocked, match="type the unlock text"):
        focus.stop(T0 + 6100, unlock_text=text[:-1])
    # Spacing does not matter, the characters do.
    focus.stop(T0 + 6100, unlock_text="  " + text.replace(" ", "  ") + "\n")
    focus.wait_hosts()
    assert hosts_path.read_bytes() == HOSTS
    assert (stats.summary(T0, T0 + 86400).completed,
            stats.summary(T0, T0 + 86400).abandoned) == (1, 1)


def test_schedule_starts_and_ends_by_itself(env):
    make, _, _, _clock, _events, _ = env
    weekdays = Schedule.parse("weekdays 09:00-12:00")
    assert weekdays.days == frozenset(range(5))
    assert Schedule.parse("mon,wed-fri 14:00-16:30").days == frozenset({0, 2, 3, 4})
    night = Schedule.parse("sat 22:00-01:00")
    saturday_late = datetime(2026, 11, 29, 0, 30, tzinfo=ZONE).timestamp()  # Sunday 00:30
    assert night.window_at(saturday_late, ZONE) is not None
    for bad in ("weekdays", "someday 09:00-10:00", "mon 25:00-26:00", "mon 09:00-09:00"):
        with pytest.raises(FocusError):
            Schedule.parse(bad)

    focus = make(schedules=[weekdays])
    focus.tick(T0)  # Monday 09:30: inside the window
    session = focus.session
    assert session.origin == "schedule"
    assert session.ends_at == datetime(2026, 11, 23, 12, 0, tzinfo=ZONE).timestamp()
    focus.stop(T0 + 60)
    focus.tick(T0 + 120)  # stopped by hand: not restarted within the same window
    assert focus.session is None
    next_day = datetime(2026, 11, 24, 9, 0, 5, tzinfo=ZONE).timestamp()
    focus.tick(next_day)
    assert focus.session is not None and focus.session.started_at == next_day
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=ZONE).timestamp()
    focus.tick(sunday)  # Tuesday's ended, Sunday has none
    assert focus.session is None
    focus.wait_hosts()


def test_block_edited_away_is_reapplied(env):
    make, hosts_path, _, _clock, _, _ = env
    focus = make(reapply_every=30)
    focus.start(FocusPlan(minutes=50, block_sites=("example.org",), block_distracting=False))
    focus.wait_hosts()
    hosts_path.write_bytes(HOSTS + b"10.0.0.1 printer\n")  # someone removes our section
    focus.tick(T0 + 10)
    focus.wait_hosts()
    assert HostsFile(hosts_path).block() is None  # not checked yet (every 30 s)
    focus.tick(T0 + 31)
    focus.wait_hosts()
    assert HostsFile(hosts_path).block().domains == ("example.org", "www.example.org")
    assert hosts_path.read_bytes().startswith(HOSTS + b"10.0.0.1 printer\n")


def test_recovery_after_a_crash(env):
    make, hosts_path, stats, clock, _events, _ = env
    crashed = make()
    crashed.start(FocusPlan(minutes=50, block_sites=("example.org",), block_distracting=False))
    crashed.wait_hosts()
    hosts_path.write_bytes(HOSTS)  # e.g. a reboot restored the file meanwhile

    clock.now = T0 + 600  # restart while the session should still run: resumed, re-applied
    again = make()
    again.recover()
    again.wait_hosts()
    assert again.session is not None and again.session.ends_at == T0 + 3000
    assert HostsFile(hosts_path).block().until == int(T0 + 3000)

    clock.now = T0 + 4000  # another restart after its end: closed, the block removed
    later = make()
    later.recover()
    later.wait_hosts()
    assert later.session is None
    assert hosts_path.read_bytes() == HOSTS
    assert stats.summary(T0, T0 + 86400).completed == 1


def test_coding_time_inside_and_outside_focus(env):
    make, _, stats, _clock, _, store = env
    focus = make()
    focus.start(FocusPlan(minutes=60, block_distracting=False))
    focus.tick(T0 + 3600)
    focus.wait_hosts()
    spans = [
        Span(T0 - 1800, T0 + 1200, app="code", title="main.py"),  # 30 min before, 20 inside
        Span(T0 + 1200, T0 + 1500, app="firefox", site="reddit.com", browser="firefox"),
        Span(T0 + 3000, T0 + 4200, app="xterm", title="vim"),  # 10 inside, 10 after
    ]
    store.add_spans(spans)
    summary = stats.summary(T0 - 3600, T0 + 7200, store.spans(T0 - 3600, T0 + 7200),
                            Rules.load(None))
    assert summary.coding_inside == 1800 and summary.coding_outside == 2400
    assert summary.focus_seconds == 3600
