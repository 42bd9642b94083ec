"""A category set by the user (`log --category`, `edit --category`, "Move to category…"):
it wins over the rules, stays after the rules change, and totals by category equal a plain
reference of the counting rule (docs/accounting.md), on real SQLite files."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine import manual
from desktop.engine.analytics import Analytics
from desktop.engine.rules import Rules
from desktop.engine.span import Span
from desktop.engine.store import Store, migrations
from tests.test_manual_time import RANK, T0, same, span_sets

CATEGORIES = ["meeting", "design", "", "coding"]  # "": back to the rules' category


def reference(spans: list[Span], rules: Rules) -> dict[str, float]:
    """Seconds per category, moment by moment (the winner as in tests.test_manual_time): the
    category set on the winning span, else the one the rules give it."""
    edges = sorted({t for s in spans for t in (s.start, s.end)})
    out: dict[str, float] = defaultdict(float)
    for a, b in pairwise(edges):
        covering = [s for s in spans if s.start <= a and s.end >= b and s.end > s.start]
        if covering:
            win = min(covering, key=lambda s: (-RANK[s.source], -s.start, s.uuid))
            out[win.category or rules.classify(
                win.replace(category=None)).category] += b - a
    return {k: v for k, v in out.items() if v > 1e-9}


def by_category(store: Store, rules: Rules) -> dict[str, float]:
    summary = Analytics(store, rules, UTC).summary(
        datetime.fromtimestamp(T0 - 86400, UTC), datetime.fromtimestamp(T0 + 3 * 86400, UTC),
        by="category")
    return {i.name: i.seconds for i in summary.items}


def _changed_rules(tmp_path) -> Rules:
    path = tmp_path / "rules.toml"
    path.write_text('[[rules]]\nmatch.project = "alpha"\ncategory = "learning"\n\n'
                    '[[rules]]\nmatch.project = "meeting"\ncategory = "communicating"\n')
    return Rules.load(path)


_edits = st.lists(st.tuples(st.sampled_from(["span", "range"]), st.integers(0, 99),
                            st.floats(0.05, 0.95), st.sampled_from(CATEGORIES)), max_size=5)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=span_sets(), edits=_edits)
def test_categories_set_by_hand_equal_the_reference(tmp_path_factory, spans, edits):
    folder = tmp_path_factory.mktemp("category")
    rules = Rules.load(None)
    store = Store(folder / "t.sqlite3", device="pc")
    store.add_spans(spans)
    for what, pick, at, category in edits:
        live = sorted(s.uuid for s in store.spans(0, 4e9))
        if what == "span":
            manual.recategorize(store, live[pick % len(live)], category)
        else:  # from `pick` quarter hours in, for `at` × 3 hours
            lo = T0 + (pick % 40) * 450.0
            manual.move_range(store, lo, lo + at * 10800, category=category)
        same(by_category(store, rules), reference(store.spans(0, 4e9), rules))
    # Reopened under other rules (everything reclassified): what was set by hand stays.
    store.close()
    store = Store(folder / "t.sqlite3", device="pc")
    changed = _changed_rules(folder)
    assert changed.fingerprint != rules.fingerprint
    same(by_category(store, changed), reference(store.spans(0, 4e9), changed))
    store.close()


def test_set_category_wins_over_rules_and_reset_gives_it_back(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    rules = _changed_rules(tmp_path)
    work = Span(T0, T0 + 3600, source="editor", app="code", project="alpha")
    call = manual.manual_span(T0 + 3600, 1800, "client-x", "standup", category="meeting")
    store.add_spans([work])
    manual.log_time(store, call)
    same(by_category(store, rules), {"learning": 3600.0, "meeting": 1800.0})
    manual.recategorize(store, work.uuid, "design")
    same(by_category(store, rules), {"design": 3600.0, "meeting": 1800.0})
    assert Analytics(store, rules, UTC).pieces(T0, T0 + 60)[0][3].productivity == \
        rules.categories["design"]
    manual.recategorize(store, work.uuid, "  ")
    same(by_category(store, rules), {"learning": 3600.0, "meeting": 1800.0})
    assert [s.category for s in store.spans(0, 4e9)] == [None, "meeting"]


def test_unknown_categories_are_refused():
    assert manual.check_category(" meeting ", {"meeting"}) == "meeting"
    assert manual.check_category("", {"meeting"}) == ""
    with pytest.raises(manual.EditError, match="unknown category 'meting'"):
        manual.check_category("meting", {"meeting", "coding"})
    with pytest.raises(manual.EditError):
        manual.move_range(None, T0, T0 + 60)  # type: ignore[arg-type]  # nothing to move to


def test_a_v12_file_gains_the_category_and_keeps_its_activities(tmp_path):
    """Schema step 14 adds the column to an existing file; stored activities keep their key
    (a span of the same activity added after the step reuses it)."""
    path = tmp_path / "t.sqlite3"
    store = Store(path)
    store.add_spans([Span(T0, T0 + 600, app="code", project="alpha")])
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE activity DROP COLUMN category")
        conn.execute("UPDATE meta SET value = '12' WHERE key = 'schema_version'")
    store = Store(path)
    assert store.meta("schema_version") == str(migrations.LATEST)
    store.add_spans([Span(T0 + 600, T0 + 1200, app="code", project="alpha")])
    (span, _) = store.spans(0, 4e9)
    manual.recategorize(store, span.uuid, "meeting")
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT app, category FROM activity ORDER BY id").fetchall() == [
            ("code", None), ("code", "meeting")]
