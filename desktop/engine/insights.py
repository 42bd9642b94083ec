"""Insights over a range: when coding happens, how long it lasts unbroken, what breaks it, how
often the context changes, the trend against the previous range, and plain suggestions.

Hours by hour of day and weekday, and the trend, come from the rollups (fast on years); the
stretch figures need the order of events, so they read the range's resolved timeline (the
pieces the rollups are made of, named per distinct activity).
Definitions: docs/insights.md.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections import defaultdict
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime

from desktop.engine.analytics import CODING, UNKNOWN, WEEKDAYS, Analytics
from desktop.engine.store.db import StoreError
from desktop.engine.store.rollups import DAY

# A coding stretch goes on while the next coding moment starts within this many seconds of
# the last one's end (a glance at a doc, a short idle); a longer gap ends it.
TOLERANCE = 120.0
# Stretches shorter than this are not counted as broken by what follows them.
MIN_STRETCH = 300.0
# A return to coding later than this after a stretch is a pause, not a distraction's cost.
MAX_RETURN = 4 * 3600.0
IDLE = "(away)"


@dataclass(frozen=True)
class Stretch:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Breaker:
    """A site or app that ended coding stretches: how often, and the median time back."""

    name: str
    count: int
    median_return: float | None  # seconds; None when coding never resumed in the range


@dataclass
class Insights:
    start: datetime
    end: datetime
    coding_seconds: float
    previous_seconds: float  # coding in the range of the same length just before
    by_hour: list[float]  # 24, local hour of day
    by_weekday: list[float]  # 7, Monday first
    longest: Stretch | None
    stretches: int  # coding stretches of MIN_STRETCH or more
    switches_per_hour: float | None  # None when nothing was tracked
    breakers: list[Breaker]  # most frequent first
    suggestions: list[str] = field(default_factory=list)

    @property
    def trend(self) -> float | None:
        """Percent change of coding against the previous range; None without a base."""
        if self.previous_seconds <= 0:
            return None
        return 100.0 * (self.coding_seconds - self.previous_seconds) / self.previous_seconds

    def weekday_share(self) -> list[float]:
        total = sum(self.by_weekday)
        return [100.0 * s / total if total else 0.0 for s in self.by_weekday]

    def best_hours(self, count: int = 3) -> list[int]:
        ranked = sorted(range(24), key=lambda h: (-self.by_hour[h], h))
        return [h for h in ranked[:count] if self.by_hour[h] > 0]

    def as_dict(self) -> dict:
        longest = self.longest
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(),
            "coding_seconds": round(self.coding_seconds, 3),
            "previous_seconds": round(self.previous_seconds, 3),
            "trend_percent": None if self.trend is None else round(self.trend, 1),
            "by_hour": [round(s, 3) for s in self.by_hour],
            "by_weekday": {WEEKDAYS[i]: round(s, 3) for i, s in enumerate(self.by_weekday)},
            "weekday_share_percent": {WEEKDAYS[i]: round(p, 1)
                                      for i, p in enumerate(self.weekday_share())},
            "best_hours": self.best_hours(),
            "longest_stretch": None if longest is None else {
                "start": longest.start, "end": longest.end, "seconds": round(longest.seconds, 3)},
            "stretches": self.stretches,
            "switches_per_hour": (None if self.switches_per_hour is None
                                  else round(self.switches_per_hour, 2)),
            "breakers": [asdict(b) for b in self.breakers],
            "suggestions": self.suggestions,
        }


Piece = tuple[float, float, bool, str]  # start, end, coding?, context name


def coding_stretches(pieces: list[Piece], tolerance: float = TOLERANCE) -> list[Stretch]:
    """Runs of coding pieces whose gaps (idle or other work) are at most `tolerance`."""
    out: list[Stretch] = []
    cur: list[float] | None = None
    for a, b, coding, _ in pieces:
        if not coding:
            continue
        if cur is not None and a - cur[1] <= tolerance:
            cur[1] = max(cur[1], b)
            continue
        if cur is not None:
            out.append(Stretch(cur[0], cur[1]))
        cur = [a, b]
    if cur is not None:
        out.append(Stretch(cur[0], cur[1]))
    return out


def switches(pieces: list[Piece]) -> tuple[int, float]:
    """(context changes between consecutive pieces, tracked seconds)."""
    count, seconds, last = 0, 0.0, None
    for a, b, _, name in pieces:
        seconds += b - a
        if last is not None and name != last:
            count += 1
        last = name
    return count, seconds


@dataclass(frozen=True, slots=True)
class Digest:
    """What the stretch figures need of one stretch of time's compacted pieces: its coding
    stretches, each with the first piece starting at or after its end and the next coding
    start (None when the stretch of time has none); its first piece, first coding start,
    first and last context, context switches and tracked seconds. Digests of consecutive
    stretches of time combine (`combine`) into exactly the figures of their pieces joined."""

    stretches: list[tuple[float, float, Piece | None, float | None]]
    first: Piece | None
    first_coding: float | None
    last_name: str | None
    switches: int
    seconds: float


def digest(pieces: list[Piece]) -> Digest:
    starts = [p[0] for p in pieces]
    coding_starts = [p[0] for p in pieces if p[2]]
    out = []
    for run in coding_stretches(pieces):
        i = bisect.bisect_left(starts, run.end)
        j = bisect.bisect_left(coding_starts, run.end)
        out.append((run.start, run.end, pieces[i] if i < len(pieces) else None,
                    coding_starts[j] if j < len(coding_starts) else None))
    count, seconds = switches(pieces)
    return Digest(out, pieces[0] if pieces else None,
                  coding_starts[0] if coding_starts else None,
                  pieces[-1][3] if pieces else None, count, seconds)


# Raised when the digests' encoding or what they hold changes: stored ones are then unused.
DIGEST_FORMAT = 1


def digest_key(fingerprint: str) -> str:
    """The key stored digests are kept under: what a day's digest depends on besides the
    day's spans (store.day_digests)."""
    return f"{DIGEST_FORMAT}:{TOLERANCE!r}:{fingerprint}"


def encode(d: Digest) -> str:
    return json.dumps([d.stretches, d.first, d.first_coding, d.last_name, d.switches,
                       d.seconds], separators=(",", ":"))


def _piece(p: list | None) -> Piece | None:
    return None if p is None else (p[0], p[1], p[2], p[3])


def decode(text: str) -> Digest:
    stretches, first, first_coding, last_name, count, seconds = json.loads(text)
    return Digest([(a, b, _piece(after), coding) for a, b, after, coding in stretches],
                  _piece(first), first_coding, last_name, count, seconds)


def combine(digests: list[Digest]) -> tuple[list[Stretch], int, float, list[Breaker]]:
    """(coding stretches, context switches, tracked seconds, breakers) of the digests'
    pieces joined in order: as coding_stretches, switches and breakers give them."""
    merged: list[list] = []  # [start, end, next piece, next coding start, digest index]
    count, seconds, last = 0, 0.0, None
    for k, d in enumerate(digests):
        if d.first is None:
            continue
        count += d.switches + (last is not None and d.first[3] != last)
        seconds += d.seconds
        last = d.last_name
        for a, b, after, coding in d.stretches:
            if merged and a - merged[-1][1] <= TOLERANCE:  # only a digest's first one
                merged[-1][1:] = [max(merged[-1][1], b), after, coding, k]
            else:
                merged.append([a, b, after, coding, k])
    # The first piece and coding start of the digests after each one, for lookups past it.
    later_first: list[Piece | None] = [None] * len(digests)
    later_coding: list[float | None] = [None] * len(digests)
    first, coding = None, None
    for k in range(len(digests) - 1, -1, -1):
        later_first[k], later_coding[k] = first, coding
        if digests[k].first is not None:
            first = digests[k].first
        if digests[k].first_coding is not None:
            coding = digests[k].first_coding
    found: dict[str, list[float | None]] = defaultdict(list)
    for a, b, after, next_coding, k in merged:
        if b - a < MIN_STRETCH:
            continue
        after = after if after is not None else later_first[k]
        next_coding = next_coding if next_coding is not None else later_coding[k]
        back = None if next_coding is None or next_coding - b > MAX_RETURN else next_coding - b
        name = after[3] if (after is not None and not after[2]
                            and after[0] - b <= TOLERANCE) else IDLE
        found[name].append(back)
    out = []
    for name, backs in found.items():
        known = [x for x in backs if x is not None]
        out.append(Breaker(name, len(backs), statistics.median(known) if known else None))
    return ([Stretch(a, b) for a, b, *_ in merged], count, seconds,
            sorted(out, key=lambda x: (-x.count, x.name)))


class InsightsCache:
    """Insights of ranges, keeping a digest of each whole UTC day's compacted timeline: a day
    is resolved again only when its rollups or the rules changed, so a range seen before is
    answered from memory, in a walk over its days' stretches rather than its pieces. Unless
    not `durable`, the days' digests are also stored (store.day_digests) and read back by the
    next process instead of resolving the days' spans again."""

    def __init__(self, analytics: Analytics, durable: bool = True) -> None:
        self.analytics = analytics
        self.durable = durable
        self._days: dict[int, tuple[tuple, Digest]] = {}
        self._stamp: tuple | None = None  # the store's change stamp when last compared

    def _read(self, windows: list[tuple[float, float]]) -> list[list[Piece]]:
        """The compacted pieces of each [lo, hi) of `windows` (touching pieces of one context
        merged), from the resolved pieces the rollups are made of, read in one query: each
        activity is named once (its classification, cached per rules, and its fields)."""
        analytics = self.analytics
        found = analytics.store.activity_pieces_of(windows)
        ids = {act for pieces in found for _, _, act in pieces}
        classes = analytics.classes(ids)
        fields = analytics.store.activity_columns(ids, ("project", "site", "app"))
        contexts: dict[tuple[bool, str], tuple[bool, str]] = {}  # one object per context
        named: dict[int, tuple[bool, str]] = {}
        for i in ids:
            c, (project, site, app) = classes[i], fields[i]
            coding = c.category == CODING
            context = (coding, ((c.project or project) if coding else site) or app or UNKNOWN)
            named[i] = contexts.setdefault(context, context)
        out: list[list[Piece]] = []
        for pieces in found:  # tight loop: a year is ~500,000 pieces
            day: list[Piece] = []
            append = day.append
            start, end, context = 0.0, None, None
            for a, b, act in pieces:
                now = named[act]
                if end == a and now is context:
                    end = b
                    continue
                if context is not None:
                    append((start, end, *context))
                start, end, context = a, b, now
            if context is not None:
                append((start, end, *context))
            out.append(day)
        return out

    def pieces(self, s: float, e: float) -> list[Piece]:
        """The compacted pieces of [s, e), read per whole UTC day (a piece is cut at
        midnight: neither a gap nor a change of context, so no figure changes)."""
        d0, d1 = self.analytics.store.whole_days(s, e)
        if d1 <= d0:
            return self._read([(s, e)])[0]
        windows = [(s, d0 * DAY), *((d * DAY, (d + 1) * DAY) for d in range(d0, d1)),
                   (d1 * DAY, e)]
        return [p for pieces in self._read(windows) for p in pieces]

    def digests(self, s: float, e: float) -> list[Digest]:
        """Digests of [s, e) in order: whole UTC days from memory unless their rollups or the
        rules changed, else stored ones when current, the rest read (in one query) and
        stored."""
        store = self.analytics.store
        d0, d1 = store.whole_days(s, e)
        if d1 <= d0:
            return [digest(self._read([(s, e)])[0])]
        fingerprint = self.analytics.classifier.fingerprint
        stamp = store.change_stamp()
        if stamp == self._stamp and all(d in self._days for d in range(d0, d1)):
            keys = {day: (fingerprint, self._days[day][0][1]) for day in range(d0, d1)}
        else:  # something was written: which days changed
            signatures = store.day_signatures(d0, d1)
            keys = {day: (fingerprint, signatures.get(day)) for day in range(d0, d1)}
            self._stamp = stamp
        stale = [day for day, key in keys.items()
                 if day not in self._days or self._days[day][0] != key]
        stored_key = digest_key(fingerprint)
        durable = self.durable and bool(stale)
        if durable:
            loaded = store.day_digests(stored_key, stale)
            for day, body in loaded.items():
                self._days[day] = (keys[day], decode(body))
            stale = [day for day in stale if day not in loaded]
            durable = bool(stale)
            try:
                if durable:
                    store.claim_day_digests(stored_key, stale)
            except StoreError:  # read-only, locked: computed, not stored
                durable = False
        first, *read, last = self._read([(s, d0 * DAY)]
                                        + [(d * DAY, (d + 1) * DAY) for d in stale]
                                        + [(d1 * DAY, e)])
        for day, pieces in zip(stale, read, strict=True):
            self._days[day] = (keys[day], digest(pieces))
        if durable:
            with suppress(StoreError):  # not stored: computed again next time, nothing lost
                store.fill_day_digests(stored_key, {day: encode(self._days[day][1])
                                                    for day in stale})
        return [digest(first), *(self._days[day][1] for day in range(d0, d1)), digest(last)]

    def compute(self, start: datetime, end: datetime) -> Insights:
        """The insights of [start, end) (aware datetimes) in the analytics' time zone."""
        analytics = self.analytics
        grid = analytics.heatmap(start, end, CODING)
        by_hour = [sum(grid[d][h] for d in range(7)) for h in range(24)]
        by_weekday = [sum(row) for row in grid]
        length = end - start
        previous = analytics.summary(start - length, start, by="category")
        previous_seconds = next((i.seconds for i in previous.items if i.name == CODING), 0.0)
        runs, count, tracked, broke = combine(self.digests(start.timestamp(), end.timestamp()))
        out = Insights(start, end, sum(by_hour), previous_seconds, by_hour, by_weekday,
                       max(runs, key=lambda s: s.seconds, default=None),
                       sum(1 for s in runs if s.seconds >= MIN_STRETCH),
                       3600.0 * count / tracked if tracked else None, broke)
        out.suggestions = suggestions(out, runs, analytics)
        return out


def compute(analytics: Analytics, start: datetime, end: datetime) -> Insights:
    """The insights of [start, end) (aware datetimes), without a cache kept."""
    return InsightsCache(analytics).compute(start, end)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def suggestions(ins: Insights, runs: list[Stretch], analytics: Analytics) -> list[str]:
    """A few plain sentences derived from the figures (at most five)."""
    out: list[str] = []
    if ins.coding_seconds <= 0:
        return ["No coding time in this range yet."]
    pairs = [(ins.by_hour[h] + ins.by_hour[(h + 1) % 24], h) for h in range(24)]
    best, hour = max(pairs)
    out.append(f"You code most between {hour:02d}:00 and {(hour + 2) % 24:02d}:00 "
               f"({100 * best / ins.coding_seconds:.0f} % of your coding): keep it free of "
               "meetings.")
    top = sorted(runs, key=lambda s: -s.seconds)[:5]
    if top:
        hours = [datetime.fromtimestamp(s.start, analytics.tz).hour for s in top]
        first, edge = min(hours), max(hours) + 1
        if edge <= 12:
            out.append(f"Your longest stretches start before {edge:02d}:00.")
        else:
            out.append(f"Your longest stretches start between {first:02d}:00 and {edge:02d}:00.")
    share = ins.weekday_share()
    day = max(range(7), key=lambda d: share[d])
    out.append(f"{WEEKDAYS[day]} is your strongest day ({share[day]:.0f} % of the week's "
               "coding).")
    named = [b for b in ins.breakers if b.name != IDLE]
    if named:
        b = named[0]
        back = "" if b.median_return is None else (
            f"; back to coding after {_minutes(b.median_return)} (median)")
        out.append(f"{b.name} ended {b.count} coding stretch{'es' if b.count > 1 else ''}"
                   f"{back}: consider blocking it in focus mode.")
    trend = ins.trend
    if trend is not None and abs(trend) >= 10:
        word = "up" if trend > 0 else "down"
        out.append(f"Coding is {word} {abs(trend):.0f} % against the previous period.")
    elif ins.switches_per_hour is not None and ins.switches_per_hour > 30:
        out.append(f"You switch context {ins.switches_per_hour:.0f} times an hour: batch "
                   "chat and mail.")
    return out[:5]
