"""Manual time and span edits: totals equal a plain reference of the counting rule
(docs/accounting.md) whatever manual entries overlap, and after moves, splits and deletions,
across reopened stores."""

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
from desktop.engine.sessions import sessions
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store, migrations
from desktop.engine.timesheet import timesheet

T0 = 1_772_409_600.0  # 2026-03-02 00:00 UTC
RANK = {"manual": 4, "editor": 3, "browser": 2, "window": 1}


class ProjectRules:
    """The watchers' project as it is."""

    fingerprint = "project-as-is"

    def classify(self, span: Span) -> Classification:
        return Classification(span.project)


def reference(spans: list[Span]) -> dict[str, float]:
    """Seconds per project, moment by moment: between any two consecutive edges, the covering
    span of the highest rank (manual first) wins, then the later start, then the smaller uuid;
    nothing else counts."""
    edges = sorted({t for s in spans for t in (s.start, s.end)})
    out: dict[str, float] = defaultdict(float)
    for a, b in pairwise(edges):
        covering = [s for s in spans if s.start <= a and s.end >= b and s.end > s.start]
        if covering:
            win = min(covering, key=lambda s: (-RANK[s.source], -s.start, s.uuid))
            out[win.project or "unknown"] += b - a
    return {k: v for k, v in out.items() if v > 1e-9}


def stored(store: Store) -> dict[str, float]:
    """Seconds per project from the store's rollups, through analytics."""
    analytics = Analytics(store, ProjectRules(), UTC)
    summary = analytics.summary(datetime.fromtimestamp(T0 - 86400, UTC),
                                datetime.fromtimestamp(T0 + 3 * 86400, UTC))
    return {i.name: i.seconds for i in summary.items}


def same(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-6)


_times = st.integers(0, 40).map(lambda q: T0 + q * 450.0)
_lengths = st.sampled_from([60.0, 450.0, 900.0, 1800.0, 5400.0])


@st.composite
def span_sets(draw) -> list[Span]:
    spans = []
    for i in range(draw(st.integers(1, 12))):
        a = draw(_times)
        source = draw(st.sampled_from(["window", "editor", "browser", "manual"]))
        project = draw(st.sampled_from(["alpha", "beta", "meeting", None]))
        if source == "manual":
            spans.append(manual.manual_span(a, draw(_lengths), project or "meeting", "note"))
        else:
            spans.append(Span(a, a + draw(_lengths), source=source, project=project,
                              uuid=f"00000000-0000-0000-0000-{i:012d}"))
    return spans


_edits = st.lists(st.tuples(st.sampled_from(["move", "split", "delete", "range"]),
                            st.integers(0, 99),
                            st.floats(0.05, 0.95), st.sampled_from(["alpha", "client-x"])),
                  max_size=6)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=span_sets(), edits=_edits, reopen=st.booleans())
def test_manual_time_and_edits_equal_the_reference(tmp_path_factory, spans, edits, reopen):
    path = tmp_path_factory.mktemp("manual") / "t.sqlite3"
    store = Store(path, device="pc")
    store.add_spans(spans)
    same(stored(store), reference(spans))
    # Manual time never adds to the moments already counted: the total is the union.
    want_total = sum(reference(spans).values())
    assert sum(stored(store).values()) == pytest.approx(want_total, abs=1e-6)
    plain = {s.uuid: Span(**{f: getattr(s, f) for f in Span.__slots__}) for s in spans}
    for what, pick, at, project in edits:
        live = sorted(u for u, s in plain.items() if s.end > s.start)
        if not live:
            break
        uuid = live[pick % len(live)]
        if reopen:
            store.close()
            store = Store(path, device="pc")
        if what == "move":
            manual.move(store, uuid, project)
            plain[uuid].project = project
        elif what == "split":
            s = plain[uuid]
            first, second = manual.split(store, uuid, s.start + at * (s.end - s.start))
            plain[uuid] = first
            plain[second.uuid] = second
        elif what == "range":  # from `pick` quarter hours in, for `at` × 3 hours
            lo = T0 + (pick % 40) * 450.0
            hi = lo + at * 10800
            manual.move_range(store, lo, hi, project)
            for u, s in list(plain.items()):
                if s.end <= lo or s.start >= hi or s.end <= s.start:
                    continue
                mid = u
                if s.start < lo:
                    mid = manual.split_uuid(u, lo)
                    plain[u] = Span(s.start, lo, source=s.source, project=s.project, uuid=u)
                if s.end > hi:
                    right = manual.split_uuid(mid, hi)
                    plain[right] = Span(hi, s.end, source=s.source, project=s.project,
                                        uuid=right)
                plain[mid] = Span(max(s.start, lo), min(s.end, hi), source=s.source,
                                  project=project, uuid=mid)
        else:
            manual.delete(store, uuid)
            plain[uuid].end = plain[uuid].start
        same(stored(store), reference(list(plain.values())))
    # The stored spans are the plain ones (edits are durable).
    got = {s.uuid: (s.start, s.end, s.project, s.source) for s in store.spans(0, 4e9)}
    assert got == {u: (s.start, s.end, s.project, s.source)
                   for u, s in plain.items() if s.end > s.start}
    # Sessions and the timesheet add up to the same total.
    analytics = Analytics(store, ProjectRules(), UTC)
    total = sum(reference(list(plain.values())).values())
    pieces = analytics.pieces(T0 - 86400, T0 + 3 * 86400)
    assert sum(s.seconds for s in sessions(pieces)) == pytest.approx(total, abs=1e-6)
    sheet = timesheet(analytics, datetime.fromtimestamp(T0 - 86400, UTC),
                      datetime.fromtimestamp(T0 + 3 * 86400, UTC))
    assert sum(r[2] for r in sheet) == pytest.approx(total, abs=1e-6)
    store.close()


def test_manual_wins_the_moments_it_covers(tmp_path):
    """A one-hour meeting logged over 30 minutes of tracked editor time: the hour counts
    once, as the meeting; the editor keeps only what lies outside it."""
    store = Store(tmp_path / "t.sqlite3")
    store.add_spans([Span(T0, T0 + 5400, source="editor", project="alpha"),
                     manual.manual_span(T0 + 3600, 3600, "meeting", "design review")])
    same(stored(store), {"alpha": 3600.0, "meeting": 3600.0})
    store.add_spans([manual.manual_span(T0 + 3600, 3600, "meeting")])  # a new uuid
    same(stored(store), {"alpha": 3600.0, "meeting": 3600.0})


def test_sessions_join_by_the_heartbeat_gap():
    def piece(a, b, project, file=None, source="editor"):
        return (T0 + a, T0 + b, Span(T0 + a, T0 + b, source=source, project=project,
                                     file=file), Classification(project))

    got = sessions([piece(0, 600, "alpha", "a.py"), piece(600 + 899, 2000, "alpha", "b.py"),
                    piece(2000 + 900, 4000, "beta", source="manual")])
    assert [(s.start - T0, s.end - T0, s.seconds, s.project, s.manual) for s in got] == [
        (0, 2000, 600 + 501, "alpha", False), (2900, 4000, 1100, "beta", True)]
    assert got[0].main_files() == ["a.py", "b.py"]


@pytest.mark.parametrize("text, seconds", [("1h30m", 5400), ("45m", 2700), ("2h", 7200),
                                           ("90s", 90), ("1.5h", 5400), ("30", 1800)])
def test_durations(text, seconds):
    assert manual.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1x", "0m", "25h", "-1h"])
def test_bad_durations_are_refused(text):
    with pytest.raises(manual.EditError):
        manual.parse_duration(text)


def test_bad_edits_change_nothing(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    span = Span(T0, T0 + 600, project="alpha")
    store.add_spans([span])
    with pytest.raises(manual.EditError):
        manual.split(store, span.uuid, T0 + 600)
    with pytest.raises(manual.EditError):
        manual.move(store, "no-such-id", "beta")
    assert [(s.uuid, s.start, s.end, s.project) for s in store.spans(0, 4e9)] == [
        (span.uuid, T0, T0 + 600, "alpha")]


def test_a_v9_file_gains_span_edit(tmp_path):
    """Schema step 10 adds the table of spans edited here to an existing file, keeping its
    spans."""
    path = tmp_path / "t.sqlite3"
    store = Store(path)
    store.add_spans([Span(T0, T0 + 600, project="alpha")])
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE span_edit")
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    store = Store(path)
    assert store.meta("schema_version") == str(migrations.LATEST)
    assert [s.project for s in store.spans(0, 4e9)] == ["alpha"]
    span = store.spans(0, 4e9)[0]
    manual.move(store, span.uuid, "beta")  # this device's own: nothing to remember
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM span_edit").fetchone() == (0,)
