"""Insights (desktop.engine.insights) on real store files, checked against plain references."""

from __future__ import annotations

import bisect
import statistics
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine import insights
from desktop.engine.analytics import Analytics
from desktop.engine.insights import IDLE, TOLERANCE, compute
from desktop.engine.span import Span
from desktop.engine.store import Store
from tests.store_helpers import T0, TinyRules

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev-a")
    yield s
    s.close()


def day(store: Store, base: float) -> None:
    """09-10 coding, 10:00-10:10 youtube, 10:10-11 coding, 11-11:30 chat, 11:30-12 coding."""
    store.add_spans([
        Span(base + 9 * H, base + 10 * H, app="code", title="a.py - alpha"),
        Span(base + 10 * H, base + 10 * H + 600, source="browser", app="firefox",
             site="youtube.com"),
        Span(base + 10 * H + 600, base + 11 * H, app="code", title="a.py - alpha"),
        Span(base + 11 * H, base + 11.5 * H, app="chat"),
        Span(base + 11.5 * H, base + 12 * H, app="code", title="b.py - beta"),
    ])


def test_figures_of_a_known_day(store):
    day(store, T0)
    an = Analytics(store, TinyRules(), ZoneInfo("UTC"))
    start = datetime.fromtimestamp(T0, UTC)
    ins = compute(an, start, start + timedelta(days=1))
    assert ins.coding_seconds == H + (H - 600) + 0.5 * H
    assert ins.by_hour[9] == H and ins.by_hour[10] == H - 600 and ins.by_hour[11] == 0.5 * H
    assert ins.by_weekday[0] == ins.coding_seconds and ins.weekday_share()[0] == 100
    assert ins.longest.start == T0 + 9 * H and ins.longest.seconds == H
    assert ins.stretches == 3
    got = {b.name: (b.count, b.median_return) for b in ins.breakers}
    assert got == {"youtube.com": (1, 600), "chat": (1, 1800), IDLE: (1, None)}
    # alpha → youtube → alpha → chat → beta: 4 changes in 3 h
    assert ins.switches_per_hour == pytest.approx(4 / 3)
    assert ins.trend is None  # nothing the day before
    assert any("start before 12:00" in s for s in ins.suggestions)
    text = "chat ended 1 coding stretch; back to coding after 30 min"
    assert any(text in s for s in ins.suggestions)


def test_trend_against_the_previous_range(store):
    day(store, T0)
    store.add_spans([Span(T0 + 86400 + 9 * H, T0 + 86400 + 10.5 * H, app="code", title="x")])
    an = Analytics(store, TinyRules(), ZoneInfo("UTC"))
    start = datetime.fromtimestamp(T0 + 86400, UTC)
    ins = compute(an, start, start + timedelta(days=1))
    assert ins.previous_seconds == 8400
    assert ins.trend == pytest.approx(100 * (1.5 * H - (8400)) / (8400))
    assert any("down" in s for s in ins.suggestions)


spans_st = st.lists(st.tuples(st.integers(0, 2 * 86400), st.integers(1, 5000),
                              st.sampled_from(["code", "firefox", "chat"]),
                              st.sampled_from(["window", "editor", "browser"])),
                    min_size=1, max_size=25)


def reference_longest(pieces) -> float:
    """Per whole second: coding seconds, joined across gaps of at most TOLERANCE."""
    coding = sorted({t for a, b, c, _ in pieces if c for t in range(int(a), int(b))})
    best = run_start = prev = None
    for t in coding:
        if prev is None or t - (prev + 1) > TOLERANCE:
            run_start = t
        prev = t
        length = prev + 1 - run_start
        best = length if best is None else max(best, length)
    return best or 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spans_st)
def test_hours_and_longest_stretch_match_references(raw):
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "tf.sqlite3", device="dev-a")
        try:
            store.add_spans([Span(T0 + a, T0 + a + n, source=src, app=app,
                                  title="f - p" if app == "code" else None)
                             for a, n, app, src in raw])
            an = Analytics(store, TinyRules(), BERLIN)
            start = datetime.fromtimestamp(T0 - 3 * H, BERLIN)
            end = datetime.fromtimestamp(T0 + 3 * 86400, BERLIN)
            ins = compute(an, start, end)
            hours: dict[int, float] = defaultdict(float)
            pieces = []
            for a, b, _, found in an.pieces(start.timestamp(), end.timestamp()):
                coding = found.category == "coding"
                pieces.append((a, b, coding, None))
                while coding and a < b:  # cut at local hour boundaries
                    local = datetime.fromtimestamp(a, BERLIN)
                    edge = (local.replace(minute=0, second=0, microsecond=0)
                            + timedelta(hours=1)).timestamp()
                    hours[local.hour] += min(b, edge) - a
                    a = min(b, edge)
            for h in range(24):
                assert ins.by_hour[h] == pytest.approx(hours[h], abs=1e-6)
            longest = ins.longest.seconds if ins.longest else 0
            assert longest == pytest.approx(reference_longest(pieces))
        finally:
            store.close()


def test_the_cache_sees_a_day_change(store):
    """A whole day kept by InsightsCache is read again once its spans change."""
    from desktop.engine.insights import InsightsCache

    day(store, T0)
    cache = InsightsCache(Analytics(store, TinyRules(), ZoneInfo("UTC")))
    start = datetime.fromtimestamp(T0, UTC)
    assert cache.compute(start, start + timedelta(days=2)).longest.seconds == H
    store.add_spans([Span(T0 + 10 * H, T0 + 10 * H + 600, app="code", title="a.py - alpha",
                          source="editor", editor="vim")])  # over the youtube break
    assert cache.compute(start, start + timedelta(days=2)).longest.seconds == 2 * H


def reference_pieces(an: Analytics, s: float, e: float) -> list[tuple]:
    """The compacted timeline the plain way: spans resolved, each piece classified by the
    rules (the code before the pieces came from rollup pieces, one name per activity), read
    per whole UTC day as the cache keeps them (a piece is cut at midnight: no figure
    changes, as a cut is neither a gap nor a change of context)."""
    d0, d1 = an.store.whole_days(s, e)
    if d1 <= d0:
        return plain_pieces(an, s, e)
    out = plain_pieces(an, s, d0 * 86400)
    for day in range(d0, d1):
        out += plain_pieces(an, day * 86400, (day + 1) * 86400)
    return out + plain_pieces(an, d1 * 86400, e)


def plain_pieces(an: Analytics, s: float, e: float) -> list[tuple]:
    out: list[tuple] = []
    for a, b, span, found in an.pieces(s, e):
        coding = found.category == "coding"
        name = ((found.project or span.project) if coding else span.site) or span.app \
            or "unknown"
        if out and out[-1][1] == a and out[-1][2] == coding and out[-1][3] == name:
            out[-1] = (out[-1][0], b, coding, name)
        else:
            out.append((a, b, coding, name))
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 4 * 86400), st.sampled_from([1, 60, 900, 5000, 90000]),
                          st.sampled_from(["code", "chat", "firefox", None]),
                          st.sampled_from(["window", "editor", "browser"]),
                          st.sampled_from([None, "youtube.com"])), max_size=40),
       st.floats(-86400, 3 * 86400), st.floats(0, 3 * 86400))
def test_cached_day_pieces_equal_the_plain_timeline(raw, at, length):
    from desktop.engine.insights import InsightsCache

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "tf.sqlite3", device="dev-a")
        try:
            spans = [Span(T0 + a, T0 + a + n, source=src, app=app, site=site,
                          title="f - p" if app == "code" else None) for a, n, app, src, site in raw]
            store.add_spans(spans[::2])
            an = Analytics(store, TinyRules(), UTC)
            cache = InsightsCache(an)
            s, e = T0 + at, T0 + at + length
            assert cache.pieces(s, e) == reference_pieces(an, s, e)
            store.add_spans(spans[1::2])  # days kept by the cache change
            assert cache.pieces(s, e) == reference_pieces(an, s, e)
        finally:
            store.close()


def reference_breakers(pieces: list, stretches: list) -> list:
    """What followed each stretch of MIN_STRETCH or more, over the whole timeline: the first
    other piece when it began within TOLERANCE of the stretch's end, else IDLE; and how long
    until coding resumed (docs/insights.md)."""
    starts = [p[0] for p in pieces]
    coding_starts = [p[0] for p in pieces if p[2]]
    found: dict[str, list[float | None]] = defaultdict(list)
    for s in stretches:
        if s.seconds < insights.MIN_STRETCH:
            continue
        i = bisect.bisect_left(starts, s.end)
        j = bisect.bisect_left(coding_starts, s.end)
        back = coding_starts[j] - s.end if j < len(coding_starts) else None
        if back is not None and back > insights.MAX_RETURN:
            back = None
        if i < len(pieces) and not pieces[i][2] and pieces[i][0] - s.end <= TOLERANCE:
            name = pieces[i][3]
        else:
            name = IDLE
        found[name].append(back)
    out = []
    for name, backs in found.items():
        known = [b for b in backs if b is not None]
        out.append(insights.Breaker(name, len(backs), statistics.median(known) if known else None))
    return sorted(out, key=lambda b: (-b.count, b.name))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 4 * 86400), st.sampled_from([1, 60, 400, 900, 5000]),
                          st.sampled_from(["code", "chat", "firefox", None]),
                          st.sampled_from(["window", "editor", "browser"]),
                          st.sampled_from([None, "youtube.com"])), max_size=60),
       st.floats(-86400, 3 * 86400), st.floats(0, 4 * 86400))
def test_day_digests_combine_into_the_figures_of_the_whole_timeline(raw, at, length):
    """Stretches, switches and what ends stretches, from per-day digests (kept by the cache),
    equal those computed over the range's whole compacted timeline."""
    from desktop.engine.insights import InsightsCache, coding_stretches, combine, switches

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "tf.sqlite3", device="dev-a")
        try:
            spans = [Span(T0 + a, T0 + a + n, source=src, app=app, site=site,
                          title="f - p" if app == "code" else None) for a, n, app, src, site in raw]
            store.add_spans(spans[::2])
            an = Analytics(store, TinyRules(), UTC)
            cache = InsightsCache(an)
            s, e = T0 + at, T0 + at + length
            for _ in range(2):
                pieces = reference_pieces(an, s, e)
                runs = coding_stretches(pieces)
                count, tracked = switches(pieces)
                got_runs, got_count, got_tracked, got_breakers = combine(cache.digests(s, e))
                assert got_runs == runs
                assert got_count == count
                assert got_tracked == pytest.approx(tracked, abs=1e-6)
                assert got_breakers == reference_breakers(pieces, runs)
                store.add_spans(spans[1::2])  # days kept by the cache change
        finally:
            store.close()


def test_what_ends_a_stretch_at_midnight_is_found_the_next_day(store):
    """A stretch ending at a day's end: what follows it, and the way back, lie in the next
    day's digest."""
    from desktop.engine.insights import InsightsCache

    store.add_spans([Span(T0 + 23 * H, T0 + 24 * H, app="code", title="a - alpha"),
                     Span(T0 + 24 * H + 60, T0 + 24 * H + 600, app="chat"),
                     Span(T0 + 24 * H + 1200, T0 + 24 * H + 2000, app="code", title="a - alpha")])
    start = datetime.fromtimestamp(T0, UTC)
    ins = InsightsCache(Analytics(store, TinyRules(), UTC)).compute(
        start, start + timedelta(days=2))
    assert [(b.name, b.count, b.median_return) for b in ins.breakers] == [
        (IDLE, 1, None), ("chat", 1, 1200.0)]
