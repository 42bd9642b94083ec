"""ActivityWatch exports: ``{"buckets": {id: {"type", "hostname", "events": [...]}}}``.

Combined per host as ActivityWatch's canonical query does it:
- events of every bucket are "flooded": a gap of up to 5 s between consecutive events is
  given to the earlier one, and overlaps are cut;
- active time = the "not-afk" periods of the AFK bucket (all the time when the host has no
  AFK bucket), plus the time an audible tab played in a focused browser window;
- window spans ("activitywatch:window") = window events within active time;
- browser spans ("activitywatch:browser") = tab events of a browser bucket within the window
  events of that browser's app, within active time.
Other bucket types (editor watchers, input counters...) are not imported.

Imports commute: an export may come in several files (per bucket, per time range,
overlapping, in any order), and the result is that of one file holding them all.
- The raw buckets and events are kept (store.aw_events). An event is known by host, bucket,
  id and start (ids start again at 1 with a new ActivityWatch database); of two versions of
  it, the longer wins (heartbeats only ever extend an event).
- Each import derives the spans anew from ALL stored events of the time it touches: the
  "runs" of events (of every host and bucket) each within 5 s of the next. Flooding and
  intersections are local in time, so nothing outside those runs can change.
- A new bucket re-derives every run: a host's first AFK bucket changes all its time, and a
  second host changes where "unknown" web buckets belong.
- What was derived before in those runs and is derived no more is retired in the same
  transaction (Store.replace_derived: zero length, same uuid, so that sync carries it).
  Spans imported before raw events were kept are retired only where stored events now
  cover their time; elsewhere they stay as they were.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop.engine.io.common import (
    ImportFormatError,
    ImportResult,
    Progress,
    check,
    expect,
    import_uuid,
    load_json,
    require,
    schema,
)
from desktop.engine.span import Span
from desktop.engine.store import aw_events
from desktop.engine.timeline import covered

PULSETIME = 5.0
WINDOW, AFK, WEB = "currentwindow", "afkstatus", "web.tab.current"
SOURCES = ("activitywatch:window", "activitywatch:browser")
# The app names (window class or process) each browser's window has, by the name in its
# bucket id ("aw-watcher-web-firefox").
BROWSER_APPS = {
    "chrome": r"google-chrome.*|chrome(\.exe)?|chromium.*|google chrome",
    "chromium": r"chromium.*",
    "firefox": r"firefox.*|navigator|org\.mozilla\.firefox|nightly",
    "brave": r"brave.*",
    "edge": r"msedge(\.exe)?|microsoft edge|microsoft-edge.*",
    "opera": r"opera(\.exe)?",
    "vivaldi": r"vivaldi.*",
    "safari": r"safari",
}


@dataclass(slots=True)
class Event:
    start: float
    end: float
    data: dict[str, Any]
    ident: str  # "<bucket>#<key>" (the event's id, else its timestamp): deterministic uuids
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Bucket:
    id: str
    type: str
    host: str
    events: list[Event]


def _parse_time(path: Path, where: Callable[[str], str], text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ImportFormatError(path, f"not an ISO 8601 time: {text!r}",
                                where(".timestamp")) from None
    if moment.tzinfo is None:  # ActivityWatch stores UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


_BUCKET = schema(("type", str), ("hostname", str, True), ("events", list))
_EVENT = schema(("timestamp", str), ("duration", float), ("data", dict))
_DATA = {
    WINDOW: schema(("app", str), ("title", str, True)),
    AFK: schema(("status", str)),
    WEB: schema(("url", str), ("title", str, True), ("audible", bool, True),
                ("incognito", bool, True)),
}
_NO_DATA: tuple = ()
_STATUSES = {"afk", "not-afk", "hibernating"}


def _bucket(path: Path, bucket_id: str, raw: Any) -> Bucket:
    where = f"buckets[{bucket_id!r}]"
    check(path, lambda: where, raw, _BUCKET)
    kind = raw["type"]
    data_schema = _DATA.get(kind, _NO_DATA)
    events = []
    for index, ev in enumerate(raw["events"]):
        def at(suffix: str = "", i: int = index) -> str:
            return f"{where}.events[{i}]{suffix}"

        check(path, at, ev, _EVENT)
        data = check(path, lambda at=at: at(".data"), ev["data"], data_schema)
        start = _parse_time(path, at, ev["timestamp"])
        duration = ev["duration"]
        if duration < 0:
            raise ImportFormatError(path, f"negative duration {duration}", at(".duration"))
        if kind == AFK and data["status"] not in _STATUSES:
            raise ImportFormatError(path, f"unknown AFK status {data['status']!r}",
                                    at(".data.status"))
        events.append(Event(start, start + float(duration), data,
                            f"{bucket_id}#{ev.get('id', ev['timestamp'])}"))
    return Bucket(bucket_id, kind, raw.get("hostname") or "unknown", events)


def flood(events: list[Event], pulsetime: float = PULSETIME) -> list[Event]:
    """Events sorted, small gaps given to the earlier event, overlaps cut."""
    events = sorted(events, key=lambda e: (e.start, e.end, e.ident))
    out: list[Event] = []
    for ev in events:
        if out:
            last = out[-1]
            if ev.start < last.end:  # overlap: the earlier event gives way
                last.end = max(last.start, ev.start)
            elif ev.start - last.end <= pulsetime:
                last.end = ev.start
        out.append(Event(ev.start, ev.end, ev.data, ev.ident, dict(ev.extra)))
    return [e for e in out if e.end > e.start]


def union(periods: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(periods):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(events: list[Event], others: list[Event], tag: str = "period") -> list[Event]:
    """The parts of `events` inside some event of `others` (sorted, not overlapping); each part
    keeps its event's data and notes the other event in `extra[tag]`."""
    ends = [o.end for o in others]
    out = []
    for ev in events:
        i = bisect.bisect_right(ends, ev.start)
        while i < len(others) and others[i].start < ev.end:
            other = others[i]
            start, end = max(ev.start, other.start), min(ev.end, other.end)
            if end > start:
                out.append(Event(start, end, ev.data, ev.ident, {**ev.extra, tag: other}))
            i += 1
    return out


def _as_events(periods: list[tuple[float, float]]) -> list[Event]:
    return [Event(a, b, {}, "") for a, b in periods]


def _browser_of(bucket_id: str) -> str | None:
    lowered = bucket_id.lower()
    return next((name for name in BROWSER_APPS if name in lowered), None)


def _host_spans(host: str, buckets: list[Bucket]) -> list[Span]:
    window = flood([e for b in buckets if b.type == WINDOW for e in b.events])
    afk_buckets = [b for b in buckets if b.type == AFK]
    if afk_buckets:
        active = [(e.start, e.end) for b in afk_buckets for e in flood(b.events)
                  if e.data["status"] == "not-afk"]
    else:
        active = [(e.start, e.end) for e in window]
    browsers = []
    for bucket in (b for b in buckets if b.type == WEB):
        name = _browser_of(bucket.id)  # unknown: any browser's window will do
        apps = BROWSER_APPS[name] if name else "|".join(BROWSER_APPS.values())
        pattern = re.compile(f"^(?:{apps})$", re.IGNORECASE)
        browser_windows = [e for e in window if pattern.match(e.data["app"])]
        focused = intersect(flood(bucket.events), browser_windows, "window")
        browsers.append((name, focused))
        active += [(e.start, e.end) for e in focused if e.data.get("audible")]
    active_events = _as_events(union(active))
    spans = [_window_span(host, piece) for piece in intersect(window, active_events)]
    for name, focused in browsers:
        spans += [_web_span(host, name, piece) for piece in intersect(focused, active_events)]
    return spans


def _window_span(host: str, piece: Event) -> Span:
    source = "activitywatch:window"
    return Span(piece.start, piece.end, source, host,
                import_uuid(source, f"{piece.ident}@{piece.start!r}"),
                app=piece.data["app"], title=piece.data.get("title") or None)


def _web_span(host: str, browser: str | None, piece: Event) -> Span:
    source = "activitywatch:browser"
    url = piece.data["url"]
    try:
        site = urlsplit(url).hostname
    except ValueError:
        site = None
    window = piece.extra["window"]
    return Span(piece.start, piece.end, source, host,
                import_uuid(source, f"{piece.ident}@{piece.start!r}"),
                app=window.data["app"],
                title=piece.data.get("title") or None, url=url or None, site=site,
                browser=browser, private=bool(piece.data.get("incognito")),
                audible=bool(piece.data.get("audible")))


def _parse(path: Path, data: Any) -> list[Bucket]:
    data = load_json(path) if data is None else data
    expect(path, "the top level", data, dict)
    raw_buckets = require(path, "the top level", data, "buckets", dict)
    return [_bucket(path, bucket_id, raw) for bucket_id, raw in raw_buckets.items()]


def _spans(buckets: list[Bucket]) -> list[Span]:
    """The spans of `buckets`, per host (device "" for "unknown")."""
    hosts: dict[str, list[Bucket]] = {}
    for bucket in buckets:
        hosts.setdefault(bucket.host, []).append(bucket)
    # Web buckets of older watchers say "unknown": with one real host they belong to it.
    real = [h for h in hosts if h != "unknown"]
    if "unknown" in hosts and len(real) == 1:
        hosts[real[0]] += hosts.pop("unknown")
    spans: list[Span] = []
    for host, group in hosts.items():
        spans += _host_spans("" if host == "unknown" else host, group)
    return sorted(spans, key=lambda s: (s.start, s.source))


def read(path: Path, data: Any = None) -> list[Span]:
    """The spans of this file alone."""
    return _spans(_parse(path, data))


def _encoder() -> Callable[[dict[str, Any]], str]:
    """Event data to JSON (keys sorted), each distinct value encoded once: the same data
    recurs (an app and its title, an AFK status)."""
    encode = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
    done: dict[tuple, str] = {}

    def cached(data: dict[str, Any]) -> str:
        try:
            key = tuple(data.items())
            text = done.get(key)
        except TypeError:  # a list or an object inside
            return encode(data)
        if text is None:
            text = done[key] = encode(data)
        return text
    return cached


def import_into(store: Any, path: Path, data: Any = None, progress: Progress | None = None
                ) -> ImportResult:
    """Keep the file's raw events in `store` (a Store) and derive anew the spans of the time
    they touch from every event stored there (see the module's docstring). All or nothing."""
    parsed = [b for b in _parse(path, data) if b.type in (WINDOW, AFK, WEB)]
    encode = _encoder()
    mine = {(b.host, b.id, e.ident[len(b.id) + 1:], e.start): (e, encode(e.data))
            for b in parsed for e in b.events}
    rows = [(*key, e.end, text) for key, (e, text) in mine.items()]
    found: dict[str, tuple[float, float]] = {}  # the spans of the time the file touches

    def derive(conn: Any) -> tuple[list[Span], set[str]]:
        new_bucket, changed = aw_events.save(conn, [(b.host, b.id, b.type) for b in parsed],
                                             rows)
        runs = aw_events.components(conn, PULSETIME)
        if not new_bucket:
            runs = aw_events.touched(runs, (r[3] for r in rows))
        if not runs:
            return [], set()
        # Every run is loaded at once when all are (one query); spans outside them are not
        # ours to retire (imported before raw events were kept).
        span = [(runs[0][0], runs[-1][1])] if new_bucket else runs
        kinds = {(host, bucket): kind for host, bucket, kind in aw_events.buckets(conn)}
        devices = {h for h, _ in kinds if h != "unknown"}
        if any(h == "unknown" for h, _ in kinds):
            devices.add(store.device)
        firsts = [a for a, _ in runs]
        stored: dict[str, tuple[float, float]] = {}
        for uuid, device, start, end in aw_events.stored_spans(conn, SOURCES, span):
            i = bisect.bisect_left(firsts, end) - 1  # the last run starting before its end
            if device in devices and i >= 0 and runs[i][1] > start:
                stored[uuid] = start, end
        if not new_bucket and not changed:  # the stored spans come from these same events
            found.update(stored)
            return [], set()
        buckets = {key: Bucket(key[1], kind, key[0], []) for key, kind in kinds.items()}
        decoded: dict[str, Any] = {}  # the same data recurs (an app and title, a page)
        for host, bucket, key, start, end, raw in aw_events.events(conn, span):
            ev, text = mine.get((host, bucket, key, start), (None, None))
            if ev is None or text != raw or ev.end != end:
                data = decoded.get(raw)
                if data is None:
                    data = decoded[raw] = json.loads(raw)
                ev = Event(start, end, data, f"{bucket}#{key}")
            buckets[host, bucket].events.append(ev)
        derived = _spans(list(buckets.values()))
        for s in derived:
            s.device = s.device or store.device
        found.update((s.uuid, (s.start, s.end)) for s in derived)
        return derived, set(stored)

    added, retired = store.replace_derived(derive, progress)
    return ImportResult("activitywatch", len(found), added, covered(found.values()), retired)
