"""Summaries over long ranges come from named rollups per block of days (32 and 512 days,
desktop.engine.store.named_blocks): they must equal a plain reference computed from the raw
spans, for every dimension, after writes into summed blocks and after a change of the rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.analytics import PRODUCTIVITY_NAMES, Analytics
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store, named_blocks
from desktop.engine.timeline import resolve
from tests.store_helpers import T0, TinyRules

DAY = 86400.0
NAMED = ("project", "language", "app", "site", "category", "productivity", "editor",
         "branch", "file", "device", "source")


class ChatIsCoding(TinyRules):
    """Other rules: chat counts as coding too (a rules change that moves time)."""

    def __init__(self) -> None:
        super().__init__("chat-is-coding")

    def classify(self, span: Span) -> Classification:
        if span.app == "chat":
            return Classification(None, "coding", 1)
        return super().classify(span)


def reference(spans: list[Span], rules, dim: str, start: float, end: float
              ) -> dict[str, float]:
    """Seconds by name of `dim` in [start, end), resolved and named piece by piece."""
    acc: dict[str, float] = defaultdict(float)
    for p in resolve(spans, start, end):
        s, c = p.span, rules.classify(p.span)
        if dim == "project":
            name = c.project or s.project
        elif dim == "category":
            name = c.category or "uncategorized"
        elif dim == "productivity":
            name = PRODUCTIVITY_NAMES.get(c.productivity)
        else:
            name = getattr(s, dim)
        acc[name or "unknown"] += p.duration
    return {k: v for k, v in acc.items() if v > 1e-9}


span_strategy = st.builds(
    lambda day, at, length, src, dev, app, lang: Span(
        T0 - 1100 * DAY + day * DAY + at, T0 - 1100 * DAY + day * DAY + at + length,
        source=src, device=dev, app=app, language=lang,
        title=None if app is None else f"t - {app}", editor="vim" if src == "editor" else None),
    st.integers(0, 1200), st.floats(0, DAY), st.sampled_from([1.0, 60.0, 900.0, 5000.0, DAY]),
    st.sampled_from(["window", "editor", "browser"]), st.sampled_from(["d1", "d2"]),
    st.sampled_from(["code", "chat", "firefox", "", None]),
    st.sampled_from(["Python", "Rust", "", None]))


def assert_same(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-6)


def summary(an: Analytics, dim: str, a: float, b: float) -> dict[str, float]:
    found = an.summary(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC), dim)
    return {it.name: it.seconds for it in found.items}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(span_strategy, min_size=1, max_size=40), st.lists(span_strategy, max_size=8),
       st.tuples(st.integers(0, 700), st.integers(0, 1300), st.floats(0, DAY)),
       st.sampled_from(NAMED))
def test_block_summaries_equal_the_reference(tmp_path_factory, first, later, bounds, dim):
    store = Store(tmp_path_factory.mktemp("b") / "tf.sqlite3", device="d1")
    store.add_spans(first)
    lo = T0 - 1100 * DAY + bounds[0] * DAY + bounds[2]
    # as the reports get them: through datetimes (microseconds)
    lo, hi = (datetime.fromtimestamp(t, UTC).timestamp() for t in (lo, lo + bounds[1] * DAY))
    an = Analytics(store, TinyRules(), UTC)
    assert_same(summary(an, dim, lo, hi), reference(first, TinyRules(), dim, lo, hi))
    store.add_spans(later)  # into blocks already summed: they are summed again
    spans = first + later
    assert_same(summary(an, dim, lo, hi), reference(spans, TinyRules(), dim, lo, hi))
    other = Analytics(store, ChatIsCoding(), UTC)  # the rules changed: only the activities
    for rules, now in ((ChatIsCoding(), other), (TinyRules(), an)):  # classified otherwise
        assert_same(summary(now, dim, lo, hi), reference(spans, rules, dim, lo, hi))  # count
        found = now.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC),
                           "day", {"category": "coding"})
        want: dict[str, float] = defaultdict(float)
        for p in resolve(spans, lo, hi):
            if rules.classify(p.span).category == "coding":
                day = datetime.fromtimestamp(p.start, UTC).date()
                cut = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + DAY
                for a, b in ((p.start, min(p.end, cut)), (cut, p.end)):  # pieces < a day
                    if b > a:
                        want[datetime.fromtimestamp(a, UTC).date().isoformat()] += b - a
        assert_same({it.name: it.seconds for it in found.items},
                    {k: v for k, v in want.items() if v > 1e-9})
    store.close()


def test_long_ranges_use_both_block_sizes(tmp_path):
    """Three years: the whole 512-day blocks and the 32-day ones beside them are built and
    listed as current; a write unlists only the blocks holding its days."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = [Span(T0 - d * DAY + 3600, T0 - d * DAY + 7200, app="code", title="x - alpha")
             for d in range(0, 1100, 3)]
    store.add_spans(spans)
    an = Analytics(store, TinyRules(), UTC)
    lo, hi = T0 - 1100 * DAY, T0 + DAY
    assert_same(summary(an, "project", lo, hi), reference(spans, TinyRules(), "project", lo, hi))
    parts, _ = named_blocks.split(int(lo // DAY), int(hi // DAY))
    assert {size for size, _, _ in parts} == set(named_blocks.SIZES)
    conn = store._conn
    done = set(conn.execute("SELECT size, block FROM named_block_done WHERE dim = 'project'"))
    assert all((size, b) in done for size, b0, b1 in parts for b in range(b0, b1))
    day = int(T0 // DAY) - 600
    store.add_spans([Span(day * DAY + 100, day * DAY + 200, app="code", title="y - beta")])
    store.refresh_rollups()
    left = set(conn.execute("SELECT size, block FROM named_block_done WHERE dim = 'project'"))
    assert done - left == {(size, day // size) for size in named_blocks.SIZES}
    store.close()
