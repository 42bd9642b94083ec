"""Focus sessions: what a session blocks, how long it runs (fixed or Pomodoro), when it starts
by itself (schedules) and whether it may end early (locked mode)."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from datetime import time as dtime
from typing import Any

from desktop.engine.formatting import parse_span

WORK, SHORT_BREAK, LONG_BREAK = "work", "short_break", "long_break"
PRESETS = (25, 50, 90)  # minutes offered in the tray and the stats window
UNLOCK_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no l/1/0 to misread


class FocusError(Exception):
    """The request cannot be done (nothing running, a session already running, bad input)."""


class FocusLocked(FocusError):
    """A locked session refused to end early."""


def parse_duration(text: str) -> float:
    """Seconds in "50m", "1h30m", "1.5h", "90" (minutes), "45s"."""
    try:
        seconds = parse_span(text, 60.0)
    except ValueError:
        raise FocusError(f"not a duration: {text!r} (try 25m, 50m, 1h30m)") from None
    if not 60 <= seconds <= 24 * 3600:
        raise FocusError(f"a focus session lasts from 1 minute to 24 hours, not {text!r}")
    return seconds


@dataclass(frozen=True)
class FocusPlan:
    """What to run. With `pomodoro`, `minutes` is one work period and `cycles` of them run,
    separated by short breaks and a long break after every `long_break_every`-th. The block
    holds for the whole session, breaks included: a break is for resting, not for feeds."""

    minutes: float = 50.0
    pomodoro: bool = False
    cycles: int = 4
    short_break_minutes: float = 5.0
    long_break_minutes: float = 15.0
    long_break_every: int = 4
    block_sites: tuple[str, ...] = ()
    block_apps: tuple[str, ...] = ()
    block_distracting: bool = True  # the rules' categories with productivity < 0
    allow_sites: tuple[str, ...] = ()  # not empty: allow-list mode, every other site blocked
    locked: bool = False
    unlock_chars: int = 0  # locked: 0 = no early end at all, N = after typing N random chars

    def __post_init__(self) -> None:
        if not 1 <= self.minutes <= 24 * 60:
            raise FocusError("a work period lasts from 1 minute to 24 hours")
        if self.pomodoro and not 1 <= self.cycles <= 16:
            raise FocusError("a Pomodoro session has 1 to 16 cycles")
        if self.unlock_chars < 0 or self.unlock_chars > 1000:
            raise FocusError("unlock text: 0 to 1000 characters")

    def phases(self, start: float) -> tuple[Phase, ...]:
        work = self.minutes * 60
        if not self.pomodoro:
            return (Phase(WORK, start, start + work),)
        out, t = [], start
        for i in range(self.cycles):
            out.append(Phase(WORK, t, t + work))
            t += work
            if i < self.cycles - 1:
                long = (i + 1) % self.long_break_every == 0
                pause = (self.long_break_minutes if long else self.short_break_minutes) * 60
                out.append(Phase(LONG_BREAK if long else SHORT_BREAK, t, t + pause))
                t += pause
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FocusPlan:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("block_sites", "block_apps", "allow_sites"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


@dataclass(frozen=True)
class Phase:
    kind: str
    start: float
    end: float


@dataclass
class FocusSession:
    plan: FocusPlan
    started_at: float
    phases: tuple[Phase, ...]
    origin: str = "manual"  # or "schedule"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    unlock_text: str | None = None
    ended_at: float | None = None
    outcome: str | None = None  # None while running, "completed" | "abandoned"

    @classmethod
    def begin(cls, plan: FocusPlan, now: float, origin: str = "manual",
              ends_at: float | None = None) -> FocusSession:
        phases = plan.phases(now)
        if ends_at is not None:  # a schedule's window decides the end
            phases = (Phase(WORK, now, ends_at),)
        unlock = unlock_text(plan.unlock_chars) if plan.locked and plan.unlock_chars else None
        return cls(plan, now, phases, origin, unlock_text=unlock)

    @property
    def ends_at(self) -> float:
        return self.phases[-1].end

    @property
    def running(self) -> bool:
        return self.outcome is None

    def phase_at(self, now: float) -> Phase | None:
        return next((p for p in self.phases if p.start <= now < p.end), None)

    def may_stop(self, typed: str | None) -> None:
        """Raise FocusLocked unless this session may end early with `typed`."""
        if not self.plan.locked:
            return
        if self.unlock_text is None:
            raise FocusLocked("this session is locked: it cannot be ended early")
        if typed is None or " ".join(typed.split()) != self.unlock_text:
            raise FocusLocked("this session is locked: type the unlock text exactly to end it")

    def to_json(self, now: float) -> dict[str, Any]:
        phase = self.phase_at(now)
        work = [p for p in self.phases if p.kind == WORK]
        return {
            "id": self.id, "origin": self.origin, "started_at": self.started_at,
            "ends_at": self.ends_at, "remaining": max(0.0, self.ends_at - now),
            "phase": phase.kind if phase else None,
            "phase_ends_at": phase.end if phase else None,
            "cycle": sum(1 for p in work if p.start <= now) if self.plan.pomodoro else None,
            "cycles": len(work) if self.plan.pomodoro else None,
            "locked": self.plan.locked, "unlock_text": self.unlock_text,
            "outcome": self.outcome, "ended_at": self.ended_at, "plan": self.plan.to_json(),
        }


def unlock_text(chars: int) -> str:
    """`chars` random characters in groups of five (spaces not counted), for locked mode."""
    pick = random.SystemRandom().choice  # secrets.choice's (`secrets` loads OpenSSL)
    raw = "".join(pick(UNLOCK_ALPHABET) for _ in range(chars))
    return " ".join(raw[i:i + 5] for i in range(0, len(raw), 5))


_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY_WORDS = {"weekdays": range(5), "weekends": range(5, 7), "daily": range(7),
              "everyday": range(7)}
_SCHEDULE = re.compile(r"^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Schedule:
    """A recurring window in which a focus session runs by itself: "weekdays 09:00-12:00",
    "mon,wed,fri 14:00-16:30", "sat-sun 10:00-11:00", "daily 22:00-01:00" (past midnight)."""

    days: frozenset[int]  # 0 = Monday
    start: dtime
    end: dtime
    plan: FocusPlan = FocusPlan()
    text: str = ""

    @classmethod
    def parse(cls, text: str, plan: FocusPlan | None = None) -> Schedule:
        match = _SCHEDULE.match(text.lower())
        if not match:
            raise FocusError(f"not a schedule: {text!r} (try 'weekdays 09:00-12:00')")
        days: set[int] = set()
        for token in match.group(1).split(","):
            if token in _DAY_WORDS:
                days.update(_DAY_WORDS[token])
            elif "-" in token and all(t[:3] in _DAYS for t in token.split("-", 1)):
                a, b = (_DAYS[t[:3]] for t in token.split("-", 1))
                days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
            elif token[:3] in _DAYS:
                days.add(_DAYS[token[:3]])
            else:
                raise FocusError(f"unknown day {token!r} in schedule {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups()[1:])
        try:
            start, end = dtime(h1, m1), dtime(h2, m2)
        except ValueError:
            raise FocusError(f"bad time in schedule {text!r}") from None
        if start == end:
            raise FocusError(f"schedule {text!r} is empty")
        return cls(frozenset(days), start, end, plan or FocusPlan(), text.strip())

    def window_at(self, now: float, zone: tzinfo | None = None) -> tuple[float, float] | None:
        """(start, end) epoch seconds of the occurrence that contains `now`, if any."""
        local = datetime.fromtimestamp(now, zone)
        for back in (0, 1):  # an occurrence past midnight started the day before
            day = (local - timedelta(days=back)).date()
            if day.weekday() not in self.days:
                continue
            begin = datetime.combine(day, self.start, local.tzinfo)
            finish = datetime.combine(day, self.end, local.tzinfo)
            if finish <= begin:
                finish += timedelta(days=1)
            a, b = _epoch(begin, zone), _epoch(finish, zone)
            if a <= now < b:
                return a, b
        return None


def _epoch(moment: datetime, zone: tzinfo | None) -> float:
    if zone is None:  # naive local time: let the system resolve its offset
        return moment.replace(tzinfo=None).timestamp()
    return moment.timestamp()
