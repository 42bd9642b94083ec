"""Reports over the store: summaries by dimension, timeline, daily bars, heatmap, pulse, streaks.

Time is overlap-resolved (each moment counts once, won by the most specific source) and
bucketed in the user's time zone. Rules apply now, at report time: classifications are
cached per distinct activity and classifier fingerprint, so editing a rule re-classifies
history without re-running every rule on every raw span.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.engine.span import ACTIVITY_FIELDS, Classification, Classifier, Span
from desktop.engine.store import Store, StoreError, named_blocks
from desktop.engine.store.named_blocks import PRODUCTIVITY_NAMES, UNCATEGORIZED, UNKNOWN
from desktop.engine.store.rollups import QUARTER, QUARTERS_PER_DAY
from desktop.engine.timeline import resolve
from watchers.records import Frozen, Record

DIMENSIONS = ("project", "language", "app", "site", "category", "productivity", "editor",
              "branch", "file", "hour", "weekday", "day", "device", "source")
TIME_DIMENSIONS = frozenset({"hour", "weekday", "day"})
# RescueTime's Productivity Pulse: each level's share of time, weighted 0..100.
PULSE_WEIGHTS = {2: 100.0, 1: 75.0, 0: 50.0, -1: 25.0, -2: 0.0}
UNRATED_WEIGHT = 50.0  # time no rule rates counts as neutral
DISTRACTING_LEVELS = (-2, -1)
CODING = "coding"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_activity_key = attrgetter(*ACTIVITY_FIELDS)  # == Span.activity_key(), faster
_FIELD_INDEX = {name: i for i, name in enumerate(ACTIVITY_FIELDS)}
_PROJECT = _FIELD_INDEX["project"]
Key = tuple[int, int]  # (activity id, origin id)


class Item(Frozen):
    __slots__ = ("name", "seconds")

    name: str
    seconds: float

    def __init__(self, name: str, seconds: float) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "seconds", seconds)


class Summary(Frozen):
    __slots__ = ("start", "end", "by", "total_seconds", "items")  # noqa: RUF023

    start: datetime
    end: datetime
    by: str
    total_seconds: float
    items: list[Item]  # largest first

    def __init__(self, start: datetime, end: datetime, by: str, total_seconds: float,
                 items: list[Item]) -> None:
        for field, value in zip(self.__slots__, (start, end, by, total_seconds, items),
                                strict=True):
            object.__setattr__(self, field, value)


class TimelineEntry(Record):
    """A non-overlapping stretch of the timeline: who won it and what the rules make of it."""

    __slots__ = ("start", "end", "span", "classification")  # noqa: RUF023

    def __init__(self, start: datetime, end: datetime, span: Span,
                 classification: Classification) -> None:
        self.start = start
        self.end = end
        self.span = span
        self.classification = classification

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


class Streaks(Frozen):
    __slots__ = ("current", "best", "today_seconds", "goal_seconds")  # noqa: RUF023

    current: int          # days in a row meeting the goal, up to today (today counts once met)
    best: int
    today_seconds: float
    goal_seconds: float

    def __init__(self, current: int, best: int, today_seconds: float,
                 goal_seconds: float) -> None:
        for field, value in zip(self.__slots__, (current, best, today_seconds, goal_seconds),
                                strict=True):
            object.__setattr__(self, field, value)


def _own_project(found: Classification, fields: tuple) -> Classification:
    """`found`, with the activity's own project when the classifier set none (as every
    reader names it; stored so, the named rollups of projects read no activity row)."""
    if found.project or not fields[_PROJECT]:
        return found
    return Classification(fields[_PROJECT], found.category, found.productivity)


def local_zone() -> tzinfo:
    """The system's time zone, DST rules included where the system names it."""
    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    link = Path("/etc/localtime")
    if link.is_symlink() and "zoneinfo/" in str(link.resolve()):
        candidates.append(str(link.resolve()).split("zoneinfo/", 1)[1])
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    if link.exists():
        with link.open("rb") as fh:
            return ZoneInfo.from_file(fh)
    return datetime.now().astimezone().tzinfo  # fixed offset: no DST knowledge


class Analytics:
    def __init__(self, store: Store, classifier: Classifier, tz: ZoneInfo | None = None) -> None:
        self.store = store
        self.classifier = classifier
        self.tz: tzinfo = tz or local_zone()
        self._fingerprint: str | None = None
        self._by_id: dict[int, Classification] = {}
        self._by_key: dict[tuple, Classification] = {}
        self._local = lru_cache(maxsize=1 << 17)(self._local_uncached)

    # -- helpers --------------------------------------------------------------------------

    def _epoch(self, moment: datetime) -> float:
        return (moment if moment.tzinfo else moment.replace(tzinfo=self.tz)).timestamp()

    def _midnight(self, day: date) -> float:
        return datetime.combine(day, time(0), tzinfo=self.tz).timestamp()

    def _local_uncached(self, quarter: int) -> tuple[date, int, int]:
        moment = datetime.fromtimestamp(quarter * QUARTER, self.tz)
        return moment.date(), moment.hour, moment.weekday()

    def _check_fingerprint(self) -> str:
        fingerprint = self.classifier.fingerprint
        if fingerprint != self._fingerprint:
            self._fingerprint, self._by_id, self._by_key = fingerprint, {}, {}
        return fingerprint

    def classes(self, ids: set[int]) -> dict[int, Classification]:
        """Classification per activity id (of at least `ids`), cached per rules."""
        return self._classes(ids)

    def _classes(self, ids: set[int], keep: str | None = None) -> dict[int, Classification]:
        """Classification per activity id: memory, then the persisted cache, then the rules
        (the stored ones of other rules are forgotten, but for those of `keep`)."""
        fingerprint = self._check_fingerprint()
        missing = [i for i in ids if i not in self._by_id]
        if missing:
            found = self.store.cached_classifications(fingerprint, missing)
            self._by_id.update(found)
            todo = [i for i in missing if i not in found]
            if todo:
                fields = self.store.activities(todo)
                classify = getattr(self.classifier, "classify_activities", None)  # Rules'
                if classify is not None:  # (they fall back on the activity's project)
                    new = dict(zip(todo, classify([fields[i] for i in todo]), strict=True))
                else:
                    new = {i: _own_project(self.classifier.classify(
                        Span(0.0, 0.0, "", "", "", *fields[i])), fields[i]) for i in todo}
                self._by_id.update(new)
                with suppress(StoreError):  # only a cache: a busy database must not break
                    self.store.save_classifications(fingerprint, new, keep)  # a report
        return self._by_id

    def _namer(self, dim: str, keys: set[Key]) -> Callable[[Key], str]:
        """A function naming a (activity, origin) key along a non-time dimension."""
        if dim in ("device", "source"):
            origins = self.store.origins()
            col = 0 if dim == "source" else 1
            return lambda k: origins[k[1]][col] or UNKNOWN
        ids = {a for a, _ in keys}
        if dim == "category":
            classes = self._classes(ids)
            return lambda k: classes[k[0]].category or UNCATEGORIZED
        if dim == "productivity":
            classes = self._classes(ids)
            return lambda k: PRODUCTIVITY_NAMES.get(classes[k[0]].productivity, UNKNOWN)
        fields = self.store.activities(ids)
        if dim == "project":
            classes = self._classes(ids)
            return lambda k: classes[k[0]].project or fields[k[0]][_PROJECT] or UNKNOWN
        col = _FIELD_INDEX[dim]
        return lambda k: fields[k[0]][col] or UNKNOWN

    def _offset(self, quarter: int) -> int | None:
        """The zone's UTC offset at `quarter`, in quarters (None when not whole quarters)."""
        offset = datetime.fromtimestamp(quarter * QUARTER, self.tz).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        return None if seconds % QUARTER else seconds // QUARTER

    def _offset_runs(self, q0: int, q1: int) -> list[tuple[int, int, int]] | None:
        """[q0, q1) as runs of quarters with one UTC offset: (first, end, offset); the offset
        is looked up at the last quarter of each day's step, a change found by bisection
        within it (zones change offset at most once a day); a fixed offset is one run."""
        if isinstance(self.tz, timezone):
            offset = self._offset(q0)
            return None if offset is None else [(q0, q1, offset)]
        runs: list[tuple[int, int, int]] = []
        start, current, q = q0, self._offset(q0), q0
        while q < q1:
            last = min(q + QUARTERS_PER_DAY, q1) - 1
            found = self._offset(last)
            if current is None or found is None:
                return None
            if found != current:
                lo, hi = q, last  # the offset at lo is `current`, at hi it is not
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    lo, hi = (mid, hi) if self._offset(mid) == current else (lo, mid)
                runs.append((start, hi, current))
                start, current = hi, found
            q = last + 1
        if current is None:
            return None
        runs.append((start, q1, current))
        return runs

    def _time_name(self, dim: str, quarter: int) -> str:
        day, hour, weekday = self._local(quarter)
        if dim == "hour":
            return f"{hour:02d}"
        if dim == "weekday":
            return WEEKDAYS[weekday]
        return day.isoformat()

    def _key_filter(self, filters: Mapping[str, str], keys: set[Key]) -> Callable[[Key], bool]:
        tests = [(self._namer(dim, keys), value) for dim, value in filters.items()
                 if dim not in TIME_DIMENSIONS]
        memo: dict[Key, bool] = {}

        def ok(key: Key) -> bool:
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = all(name(key) == value for name, value in tests)
            return hit
        return ok

    def matching(self, filters: Mapping[str, str]) -> set[int]:
        """The ids of every activity these filters (of the activity: not device, source or
        time) let through, for the store to select in SQL."""
        if filters.keys() & {"device", "source", *TIME_DIMENSIONS}:
            raise ValueError("only filters of the activity select activities")
        chosen = self.store.activity_ids()
        for dim, value in sorted(filters.items(), key=lambda f: f[0] != "category"):
            name = self._namer(dim, {(i, 0) for i in chosen})  # the fewest left, each time
            chosen = [i for i in chosen if name((i, 0)) == value]
        return set(chosen)

    # -- reports --------------------------------------------------------------------------

    def summary(self, start: datetime, end: datetime, by: str = "project",
                filters: Mapping[str, str] | None = None) -> Summary:
        """Total time in [start, end) grouped by `by`, only where every filter matches."""
        filters = dict(filters or {})
        for dim in (by, *filters):
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dim!r}; one of {', '.join(DIMENSIONS)}")
        s, e = self._epoch(start), self._epoch(end)
        acc: dict[str, float] = defaultdict(float)
        if not filters and by in TIME_DIMENSIONS:
            runs = self._offset_runs(math.floor(s / QUARTER), math.ceil(e / QUARTER))
            if runs is None:  # an offset not in whole quarters (historic zones)
                for q, secs in self.store.quarter_sums(s, e).items():
                    acc[self._time_name(by, q)] += secs
            else:
                epoch = date(1970, 1, 1).toordinal()
                for key, secs in self.store.time_sums(s, e, runs, by).items():
                    acc[f"{key:02d}" if by == "hour" else WEEKDAYS[key] if by == "weekday"
                        else date.fromordinal(epoch + key).isoformat()] += secs
        elif not filters:
            acc = self._named(by, s, e)
        elif self._one_name_filter(by, filters):
            time_filters = [(d, v) for d, v in filters.items() if d in TIME_DIMENSIONS]
            named = [(d, v) for d, v in filters.items() if d not in TIME_DIMENSIONS]
            dim, value = named[0] if named else (by, None)
            for (q, name), secs in self._named_quarters(dim, s, e, value).items():
                if all(self._time_name(d, q) == v for d, v in time_filters):
                    acc[self._time_name(by, q) if by in TIME_DIMENSIONS else name] += secs
        elif by in TIME_DIMENSIONS or TIME_DIMENSIONS & filters.keys():
            per_quarter = self.store.seconds_by_quarter(s, e)
            keys = {k for _, k in per_quarter}
            ok = self._key_filter(filters, keys)
            time_filters = [(d, v) for d, v in filters.items() if d in TIME_DIMENSIONS]
            namer = None if by in TIME_DIMENSIONS else self._namer(by, keys)
            for (q, key), secs in per_quarter.items():
                if not ok(key) or any(self._time_name(d, q) != v for d, v in time_filters):
                    continue
                acc[self._time_name(by, q) if namer is None else namer(key)] += secs
        else:
            totals = self.store.seconds_by_activity(s, e)
            keys = set(totals)
            ok = self._key_filter(filters, keys)
            namer = self._namer(by, keys)
            for key, secs in totals.items():
                if ok(key):
                    acc[namer(key)] += secs
        ranked = sorted((n, v) for n, v in acc.items() if v > 0)  # by name, then (stable)
        ranked.sort(key=itemgetter(1), reverse=True)               # largest first
        return Summary(start, end, by, sum(v for _, v in ranked), [Item(*nv) for nv in ranked])

    @staticmethod
    def _one_name_filter(by: str, filters: Mapping[str, str]) -> bool:
        """Whether the named quarter rollups can answer: time filters, plus either one
        filtered name with a time `by`, or no filtered name."""
        named = [d for d in filters if d not in TIME_DIMENSIONS]
        return not named if by not in TIME_DIMENSIONS else len(named) == 1

    def _named_key(self, dim: str) -> str:
        """The key the named rows of `dim` are stored under (named_blocks.key_of). For names
        the rules set, the store's rows are first made to stand for these rules: after a
        change of the rules, every activity is classified again and only the days of those
        classified differently are named again (Store.adopt_rules)."""
        fingerprint = self._check_fingerprint()
        if dim in named_blocks.CLASSIFIED:  # read each time: another process may adopt
            was = self.store.meta(named_blocks.NAMED_RULES)  # other rules meanwhile
            if was != fingerprint:
                changed = None
                if was is not None:  # compared in SQL with those of `was`, kept till then
                    self._classes(set(self.store.activity_ids()), keep=was)
                    changed = self.store.classified_otherwise(was, fingerprint)
                self.store.adopt_rules(was, fingerprint, changed)
        return named_blocks.key_of(dim)

    def _fill(self, dim: str, d0: int, d1: int) -> str:
        """Bring the named rollups of `dim` up to date for UTC days [d0, d1); returns the
        key they are stored under."""
        fingerprint = self._named_key(dim)
        missing = self.store.named_missing(fingerprint, dim, d0, d1)
        if missing:
            column = "origin" if dim in ("device", "source") else "activity"
            names: dict[int, str] = {}
            todo = self.store.rollup_ids(missing, column)
            for _ in range(5):  # new ids can appear (another writer) until the save
                names.update(self._names(dim, todo, column))
                todo = self.store.save_named(fingerprint, dim, missing, names, column)
                if not todo:
                    break
            else:
                raise StoreError("the history kept changing while a report was built: "
                                 "try again")
        return fingerprint

    def _names(self, dim: str, ids: set[int], column: str) -> dict[int, str]:
        """The name along `dim` of each activity (or origin) id."""
        if column == "origin":
            namer = self._namer(dim, set())
            return {o: namer((0, o)) for o in ids}
        found = self.store.names(self._check_fingerprint(), dim, ids)  # one query when
        if found is not None:  # the rules named them all (usually)
            return found
        namer = self._namer(dim, {(a, 0) for a in ids})
        return {a: namer((a, 0)) for a in ids}

    def _named(self, by: str, s: float, e: float) -> dict[str, float]:
        """Seconds by name of `by`: whole UTC days from the named blocks (the days at either
        end as blocks of one day), the rest from the activity-level rollups."""
        acc: dict[str, float] = defaultdict(float)
        parts, days = named_blocks.split(*self.store.whole_days(s, e))
        parts += [(named_blocks.DAY, d0, d1) for d0, d1 in days if d1 > d0]
        if parts:
            for name, secs in self._block_totals(by, parts).items():
                acc[name] += secs
        edges = self.store.seconds_by_activity(s, e, whole_days=False)
        namer = self._namer(by, set(edges))
        for key, secs in edges.items():
            acc[namer(key)] += secs
        return acc

    def _block_totals(self, by: str, parts: list[tuple[int, int, int]]) -> dict[str, float]:
        """Seconds by name of `by` in the blocks of days of `parts` (named_blocks); the
        activities they hold are classified (and the classifications stored) first."""
        self._named_key(by)
        fingerprint = self._check_fingerprint()
        for _ in range(5):  # new activities can appear (another writer) until the build
            found = self.store.named_block_totals(fingerprint, by, parts)
            if isinstance(found, dict):
                return found
            # Those classified in memory already are stored here; _classes stores the others.
            known = {i: self._by_id[i] for i in found if i in self._by_id}
            self._classes(found)
            if known:
                self.store.save_classifications(fingerprint, known)
        raise StoreError("the history kept changing while a report was built: try again")

    def _named_quarters(self, dim: str, s: float, e: float, value: str | None = None
                        ) -> dict[tuple[int, str], float]:
        """Seconds per (quarter, name of `dim`) in [s, e), only for `value` when given:
        whole quarters from the named quarter rollups, the partial ones from raw spans."""
        acc: dict[tuple[int, str], float] = defaultdict(float)
        q0, q1 = self.store.whole_quarters(s, e)
        if q1 > q0:
            per_day = QUARTERS_PER_DAY
            fingerprint = self._fill(dim, q0 // per_day, (q1 - 1) // per_day + 1)
            for q, name, secs in self.store.named_quarters(fingerprint, dim, q0, q1, value):
                acc[q, name] += secs
        edges = self.store.seconds_by_quarter(s, e, whole_quarters=False)
        namer = self._namer(dim, {k for _, k in edges})
        for (q, key), secs in edges.items():
            name = namer(key)
            if value is None or name == value:
                acc[q, name] += secs
        return acc

    def _named_days(self, dim: str, s: float, e: float, value: str) -> dict[date, float]:
        """Seconds per local day of the name `value` of `dim` in [s, e): as _named_quarters,
        the whole quarters summed per day in SQL."""
        q0, q1 = self.store.whole_quarters(s, e)
        runs = self._offset_runs(q0, q1) if q1 > q0 else []
        acc: dict[date, float] = defaultdict(float)
        if runs is None:  # an offset not in whole quarters (historic zones)
            for (q, _), secs in self._named_quarters(dim, s, e, value).items():
                acc[self._local(q)[0]] += secs
            return acc
        if runs:
            fingerprint = self._fill(dim, q0 // QUARTERS_PER_DAY,
                                     (q1 - 1) // QUARTERS_PER_DAY + 1)
            epoch = date(1970, 1, 1).toordinal()
            for day, secs in self.store.named_days(fingerprint, dim, value, runs).items():
                acc[date.fromordinal(epoch + day)] += secs
        edges = self.store.seconds_by_quarter(s, e, whole_quarters=False)
        namer = self._namer(dim, {k for _, k in edges})
        for (q, key), secs in edges.items():
            if namer(key) == value:
                acc[self._local(q)[0]] += secs
        return acc

    def timeline(self, start: datetime, end: datetime) -> list[TimelineEntry]:
        """The overlap-resolved pieces of [start, end), clipped to it, classified."""
        tz, stamp = self.tz, datetime.fromtimestamp
        return [TimelineEntry(stamp(a, tz), stamp(b, tz), span, found)
                for a, b, span, found in self.pieces(self._epoch(start), self._epoch(end))]

    def pieces(self, s: float, e: float) -> list[tuple[float, float, Span, Classification]]:
        """(start, end, span, classification) of the overlap-resolved pieces of epoch range
        [s, e), clipped to it."""
        self._check_fingerprint()
        out = []
        by_key = self._by_key
        for piece in resolve(self.store.spans(s, e), s, e):
            span = piece.span
            key = _activity_key(span)
            found = by_key.get(key)
            if found is None:
                found = by_key[key] = self.classifier.classify(span)
            out.append((piece.start, piece.end, span, found))
        return out

    def daily(self, start: date, end: date, by: str | None = None
              ) -> dict[date, dict[str, float]]:
        """Per local day from `start` to `end` inclusive: seconds by `by` (or {"total": s});
        days without time map to {}."""
        if by is not None and (by not in DIMENSIONS or by in TIME_DIMENSIONS):
            raise ValueError(f"cannot stack days by {by!r}")
        out: dict[date, dict[str, float]] = {}
        day = start
        while day <= end:
            out[day] = {}
            day += timedelta(days=1)
        s, e = self._midnight(start), self._midnight(end + timedelta(days=1))
        if by is None:
            for q, secs in self.store.quarter_sums(s, e).items():
                bucket = out.get(self._local(q)[0])
                if bucket is not None:
                    bucket["total"] = bucket.get("total", 0.0) + secs
            return out
        for (q, name), secs in self._named_quarters(by, s, e).items():
            bucket = out.get(self._local(q)[0])
            if bucket is not None:
                bucket[name] = bucket.get(name, 0.0) + secs
        return out

    def named_seconds(self, s: float, e: float, by: str, filters: Mapping[str, str]
                      ) -> dict[tuple[int, str], float]:
        """Seconds per (quarter index, name along `by`) in epoch range [s, e) where every
        (non-time) filter matches."""
        found = self.store.seconds_by_quarter(s, e)
        keys = {k for _, k in found}
        ok, namer = self._key_filter(filters, keys), self._namer(by, keys)
        acc: dict[tuple[int, str], float] = defaultdict(float)
        for (q, key), secs in found.items():
            if ok(key):
                acc[q, namer(key)] += secs
        return acc

    def _filtered_quarters(self, s: float, e: float, filters: Mapping[str, str]
                           ) -> dict[int, float]:
        """Seconds per quarter in [s, e) where every (non-time) filter matches."""
        per_quarter = self.store.seconds_by_quarter(s, e)
        ok = self._key_filter(filters, {k for _, k in per_quarter})
        acc: dict[int, float] = defaultdict(float)
        for (q, key), secs in per_quarter.items():
            if ok(key):
                acc[q] += secs
        return acc

    def heatmap(self, start: datetime, end: datetime, category: str | None = CODING,
                filters: Mapping[str, str] | None = None) -> list[list[float]]:
        """Seconds per [weekday][hour] (Monday first, local time), of one category or all,
        only where every filter (a device, say) matches."""
        grid = [[0.0] * 24 for _ in range(7)]
        if filters:
            wanted = {**filters, **({"category": category} if category else {})}
            for q, secs in self._filtered_quarters(self._epoch(start), self._epoch(end),
                                                   wanted).items():
                _, hour, weekday = self._local(q)
                grid[weekday][hour] += secs
            return grid
        if category is None:
            for q, secs in self.store.quarter_sums(self._epoch(start), self._epoch(end)).items():
                _, hour, weekday = self._local(q)
                grid[weekday][hour] += secs
            return grid
        for (q, _), secs in self._named_quarters("category", self._epoch(start),
                                                 self._epoch(end), category).items():
            _, hour, weekday = self._local(q)
            grid[weekday][hour] += secs
        return grid

    def productivity_pulse(self, start: datetime, end: datetime,
                           filters: Mapping[str, str] | None = None) -> float | None:
        """0..100: time-weighted productivity level (very productive 100 ... very
        distracting 0, neutral and uncategorized 50); None when nothing was tracked."""
        if filters:
            by_name = {i.name: i.seconds for i in
                       self.summary(start, end, by="productivity", filters=filters).items}
        else:
            by_name = self._named("productivity", self._epoch(start), self._epoch(end))
        total = sum(by_name.values())
        if total <= 0:
            return None
        weight = {PRODUCTIVITY_NAMES[level]: w for level, w in PULSE_WEIGHTS.items()}
        return sum(secs * weight.get(name, UNRATED_WEIGHT)
                   for name, secs in by_name.items()) / total

    def distractions(self, start: datetime, end: datetime,
                     filters: Mapping[str, str] | None = None) -> tuple[float, list[Item]]:
        """Seconds rated DISTRACTING_LEVELS in [start, end), and where they went: the site,
        or the app when there was no site; largest first."""
        total = 0.0
        where: dict[str, float] = defaultdict(float)
        for level in DISTRACTING_LEVELS:
            rated = {**(filters or {}), "productivity": PRODUCTIVITY_NAMES[level]}
            sites = self.summary(start, end, by="site", filters=rated)
            total += sites.total_seconds
            for item in sites.items:
                if item.name != UNKNOWN:
                    where[item.name] += item.seconds
            if any(item.name == UNKNOWN for item in sites.items):
                apps = self.summary(start, end, by="app", filters={**rated, "site": UNKNOWN})
                for item in apps.items:
                    where[item.name] += item.seconds
        ranked = sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
        return total, [Item(name, secs) for name, secs in ranked]

    def streaks(self, goal_seconds: float, today: date, category: str = CODING,
                filters: Mapping[str, str] | None = None) -> Streaks:
        """Days meeting a daily goal of `category` time (where every filter matches): the
        current run and the best one. Today only extends the current run once its goal is
        met; it never breaks it."""
        first = self.store.first_start()
        per_day: dict[date, float] = defaultdict(float)
        if first is not None:
            first_day = min(datetime.fromtimestamp(first, self.tz).date(), today)
            s, e = self._midnight(first_day), self._midnight(today + timedelta(days=1))
            if filters:
                quarters = self._filtered_quarters(s, e, {**filters, "category": category})
                for q, secs in quarters.items():
                    per_day[self._local(q)[0]] += secs
            else:
                per_day.update(self._named_days("category", s, e, category))

        def met(day: date) -> bool:
            return goal_seconds > 0 and per_day.get(day, 0.0) >= goal_seconds

        current, day = 0, today if met(today) else today - timedelta(days=1)
        while met(day):
            current, day = current + 1, day - timedelta(days=1)
        best = run = 0
        for day in sorted(d for d in per_day if d <= today):
            run = run + 1 if met(day) and met(day - timedelta(days=1)) else int(met(day))
            best = max(best, run)
        return Streaks(current, max(best, current), per_day.get(today, 0.0), goal_seconds)


def explain_pulse() -> str:
    """What Analytics.productivity_pulse computes, from the weights it uses."""
    levels = ", ".join(f"{PRODUCTIVITY_NAMES[level]} {PULSE_WEIGHTS[level]:.0f}"
                       for level in sorted(PULSE_WEIGHTS, reverse=True))
    return ("Productivity pulse, 0 to 100: the time-weighted average of how productive each "
            f"moment was rated by the rules ({levels}; time no rule rates counts "
            f"{UNRATED_WEIGHT:.0f}). Empty when nothing was tracked.")


def explain_distractions() -> str:
    """What Analytics.distractions counts, from the levels it uses."""
    levels = " or ".join(f"“{PRODUCTIVITY_NAMES[level]}”" for level in DISTRACTING_LEVELS)
    return (f"Time the rules rated {levels} (Settings → Rules), whatever the site or app; "
            "the Distractions card shows where it went.")


def explain_coding() -> str:
    """What the coding figure counts: the summary's time in category CODING."""
    return (f"Time whose category is “{CODING}”: what the rules (Settings → Rules) put there; "
            "by default editors, IDEs, terminals, source files and code hosting sites.")
