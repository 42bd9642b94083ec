"""Achievements: milestones with plain rules, each earned on the local day history first met
it. The first check backfills what history already earned without telling anyone; later
checks record new ones and return them, to be notified once each. Rules: docs/insights.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from desktop.engine.analytics import CODING, UNKNOWN, Analytics
from desktop.engine.store import Store
from desktop.engine.store.rollups import DAY, QUARTERS_PER_DAY

BACKFILLED = "achievements_backfilled"  # meta key: the first check has run
STREAK_MINIMUM = 15 * 60  # coding seconds that make a day count for a streak
NEW_LANGUAGE_AFTER = 30  # days of history after which a first-time language is "new"
LINES_WEEK = 1000


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    rule: str
    target: float  # the figure to reach, in `unit`
    unit: str


RULES = (
    Rule("hours_10", "First 10 hours", "10 hours of coding in all", 10, "h"),
    Rule("hours_100", "First 100 hours", "100 hours of coding in all", 100, "h"),
    Rule("hours_1000", "First 1,000 hours", "1,000 hours of coding in all", 1000, "h"),
    Rule("streak_7", "7-day streak", "7 days in a row with 15 min of coding or more", 7,
         "days"),
    Rule("streak_30", "30-day streak", "30 days in a row with 15 min of coding or more", 30,
         "days"),
    Rule("streak_100", "100-day streak", "100 days in a row with 15 min of coding or more",
         100, "days"),
    Rule("goal_week", "A week of goals met", "every day of a calendar week (Monday to Sunday) "
         "meets the daily coding goal", 7, "days"),
    Rule("new_language", "A new language", f"coding in a language first seen more than "
         f"{NEW_LANGUAGE_AFTER} days after the history begins", 1, "languages"),
    Rule("languages_5", "Polyglot", "5 languages coded in", 5, "languages"),
    Rule("lines_week", "1,000 lines in a week", "1,000 lines added in 7 days in a row "
         "(as the editor plugins count them)", LINES_WEEK, "lines"),
)
BY_KEY = {r.key: r for r in RULES}


@dataclass(frozen=True)
class Status:
    rule: Rule
    earned: date | None
    progress: float  # toward rule.target (its best so far for streaks)


@dataclass(frozen=True)
class History:
    """Per local day figures of all history, what the rules read."""

    coding: dict[date, float]  # CODING seconds
    goal: dict[date, float]  # seconds of the goal's category
    languages: dict[str, date]  # first day of each language
    lines: dict[date, int]  # lines added
    first: date | None


def history(analytics: Analytics, today: date, goal_category: str = CODING) -> History:
    """Read what the rules need, from the rollups and (lines) the spans."""
    first = analytics.store.first_start()
    if first is None:
        return History({}, {}, {}, {}, None)
    tz = analytics.tz
    first_day = min(datetime.fromtimestamp(first, tz).date(), today)
    s, e = analytics._midnight(first_day), analytics._midnight(today + timedelta(days=1))
    local = analytics._local

    def per_day(category: str) -> dict[date, float]:
        acc: dict[date, float] = defaultdict(float)
        for (q, _), secs in analytics._named_quarters("category", s, e, category).items():
            acc[local(q)[0]] += secs
        return acc

    coding = per_day(CODING)
    goal = coding if goal_category == CODING else per_day(goal_category)
    fingerprint = analytics._fill("language", int(s // DAY), int(e // DAY) + 1)
    epoch = date(1970, 1, 1)
    languages = {name: epoch + timedelta(days=d) for name, d in
                 analytics.store.first_days(fingerprint, "language").items()
                 if name != UNKNOWN}
    lines: dict[date, int] = defaultdict(int)
    for d, n in analytics.store.lines_by_day().items():
        lines[local(d * QUARTERS_PER_DAY + QUARTERS_PER_DAY // 2)[0]] += n
    return History(coding, goal, languages, lines, first_day)


def _cumulative(days: dict[date, float], target: float) -> tuple[date | None, float]:
    total = 0.0
    for day in sorted(days):
        total += days[day]
        if total >= target:
            return day, total
    return None, total


def _run(days: dict[date, float], minimum: float, length: int) -> tuple[date | None, int]:
    """The day a run of `length` consecutive days of `minimum` seconds was first reached,
    and the best run."""
    best = run = 0
    prev: date | None = None
    for day in sorted(d for d, v in days.items() if v >= minimum and v > 0):
        run = run + 1 if prev is not None and day - prev == timedelta(days=1) else 1
        prev, best = day, max(best, run)
        if run >= length:
            return day, run
    return None, best


def _goal_week(days: dict[date, float], goal: float) -> tuple[date | None, float]:
    """The Sunday ending the first calendar week whose every day met `goal`, and the most
    days met in one week."""
    if goal <= 0:
        return None, 0
    weeks: dict[date, int] = defaultdict(int)
    for day in sorted(d for d, v in days.items() if v >= goal):
        monday = day - timedelta(days=day.weekday())
        weeks[monday] += 1
        if weeks[monday] == 7:
            return day, 7
    return None, max(weeks.values(), default=0)


def _lines_week(lines: dict[date, int]) -> tuple[date | None, float]:
    best = 0
    for day in sorted(lines):
        total = sum(lines.get(day - timedelta(days=i), 0) for i in range(7))
        if total >= LINES_WEEK:
            return day, total
        best = max(best, total)
    return None, best


def evaluate(h: History, goal_seconds: float) -> dict[str, tuple[date | None, float]]:
    """(day earned or None, progress) of every rule over history `h`."""
    out: dict[str, tuple[date | None, float]] = {}
    for hours in (10, 100, 1000):
        day, total = _cumulative(h.coding, hours * 3600)
        out[f"hours_{hours}"] = (day, min(total / 3600, hours))
    for length in (7, 30, 100):
        out[f"streak_{length}"] = _run(h.coding, STREAK_MINIMUM, length)
    out["goal_week"] = _goal_week(h.goal, goal_seconds)
    late = [d for d in h.languages.values()
            if h.first is not None and (d - h.first).days > NEW_LANGUAGE_AFTER]
    out["new_language"] = (min(late), 1) if late else (None, 0)
    firsts = sorted(h.languages.values())
    out["languages_5"] = (firsts[4], 5) if len(firsts) >= 5 else (None, len(firsts))
    out["lines_week"] = _lines_week(h.lines)
    return out


class Achievements:
    """Checks and lists the achievements of one analytics' history. History is read again
    only when spans were added or deleted, or the rules, the goal or the day changed, since
    the last read (a span growing in place waits for the next new one)."""

    def __init__(self, analytics: Analytics) -> None:
        self.analytics = analytics
        self._memo: tuple[tuple, dict[str, tuple[date | None, float]]] | None = None

    def _evaluate(self, today: date, goal_seconds: float, goal_category: str,
                  ) -> dict[str, tuple[date | None, float]]:
        analytics = self.analytics
        token = (analytics.store.change_token(), analytics.classifier.fingerprint, today,
                 goal_seconds, goal_category)
        if self._memo is None or self._memo[0] != token:
            found = evaluate(history(analytics, today, goal_category), goal_seconds)
            self._memo = (token, found)
        return self._memo[1]

    def check(self, today: date, goal_seconds: float, goal_category: str = CODING,
              ) -> list[Status]:
        """Record the achievements history has earned; returns those to notify: none on
        the first check (the backfill), then each new one once."""
        store = self.analytics.store
        known = store.achievements()
        if len(known) == len(RULES):
            return []
        found = self._evaluate(today, goal_seconds, goal_category)
        earned = {k: day.isoformat() for k, (day, _) in found.items()
                  if day is not None and k not in known}
        backfill = store.meta(BACKFILLED) is None
        new = store.save_achievements(earned, notified=not backfill) if earned else []
        if backfill:
            store.set_meta({BACKFILLED: "1"})
            return []
        return [Status(BY_KEY[k], date.fromisoformat(earned[k]), BY_KEY[k].target)
                for k in new]

    def statuses(self, today: date, goal_seconds: float, goal_category: str = CODING,
                 check_first: bool = True) -> list[Status]:
        """Every rule with its date earned, or its progress (history read only when some
        rule is not earned yet)."""
        if check_first:
            self.check(today, goal_seconds, goal_category)
        known = self.analytics.store.achievements()
        found: dict[str, tuple[date | None, float]] = {}
        if len(known) < len(RULES):
            found = self._evaluate(today, goal_seconds, goal_category)
        out = []
        for rule in RULES:
            if rule.key in known:
                out.append(Status(rule, date.fromisoformat(known[rule.key][0]), rule.target))
            else:
                out.append(Status(rule, None, found.get(rule.key, (None, 0.0))[1]))
        return out


def check(analytics: Analytics, today: date, goal_seconds: float, goal_category: str = CODING,
          ) -> list[Status]:
    """Achievements(analytics).check, once."""
    return Achievements(analytics).check(today, goal_seconds, goal_category)


def statuses(analytics: Analytics, today: date, goal_seconds: float,
             goal_category: str = CODING, check_first: bool = True) -> list[Status]:
    """Achievements(analytics).statuses, once."""
    return Achievements(analytics).statuses(today, goal_seconds, goal_category, check_first)


def wire(store: Store) -> list[dict[str, str]]:
    """The achievements earned, as sync sends them to the server."""
    return [{"key": k, "title": BY_KEY[k].title, "earned": day}
            for k, (day, _) in sorted(store.achievements().items()) if k in BY_KEY]
