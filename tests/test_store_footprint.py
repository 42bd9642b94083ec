"""What the store keeps per hour of tracking: no activity left behind by a span whose title
changed as it grew, and the keyed tables stored once (schema step 18), on real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.engine.analytics import Analytics
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store, migrations
from desktop.engine.store.db import open_database
from tests.store_helpers import T0, TinyRules


def stored_activities(store: Store) -> set[str]:
    with sqlite3.connect(store.path) as conn:
        return {t for (t,) in conn.execute("SELECT title FROM activity")}


def by_category(store: Store) -> dict[str, float]:
    summary = Analytics(store, TinyRules()).summary(
        datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 3600, UTC), "category")
    return {item.name: item.seconds for item in summary.items}


def clock_span(start: float, seconds: int, title: str = "Inbox") -> list[Span]:
    """The versions of one browser span as the tracker sends them, one per second of a
    title holding a clock."""
    first = Span(start, start, app="chromium", title=f"{title} 0:00")
    return [first.replace(end=start + s, title=f"{title} 0:{s:02d}")
            for s in range(1, seconds + 1)]


def test_replaced_titles_leave_no_activity(tmp_path):
    store = Store(tmp_path / "tf.sqlite3", device="d")
    editor = Span(T0, T0 + 30, app="code", title="a.py - alpha")
    store.upsert_spans([editor])
    versions = clock_span(T0 + 30, 40)
    for version in versions[4::5]:  # one flush every 5 s
        store.upsert_spans([version])
        store.refresh_rollups()
        # a report between flushes classifies the activity of the moment
        by_category(store)
    assert stored_activities(store) == {"a.py - alpha", "Inbox 0:40"}
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM classified").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM rollup_quarter").fetchone()[0] == 2
    assert sum(store.seconds_by_activity(T0, T0 + 3600).values()) == pytest.approx(70)
    assert by_category(store) == pytest.approx({"coding": 30, "uncategorized": 40})
    assert store.integrity_check() == []
    # The activity of the editor's span is found again, the browser's title is new.
    store.upsert_spans([Span(T0 + 70, T0 + 80, app="code", title="a.py - alpha"),
                        Span(T0 + 80, T0 + 90, app="chromium", title="Inbox 0:40")])
    assert len(stored_activities(store)) == 2
    store.close()


def test_an_activity_other_spans_use_stays(tmp_path):
    """A title the open span had that another span has too (this store's, an import, another
    process's) is kept when the open span moves on."""
    store = Store(tmp_path / "tf.sqlite3", device="d")
    open_ = Span(T0, T0 + 5, app="term", title="make 1")
    store.upsert_spans([open_])
    store.upsert_spans([open_, Span(T0 - 60, T0 - 50, app="term", title="make 1")])
    store.upsert_spans([open_.replace(end=T0 + 10, title="make 2")])
    assert stored_activities(store) == {"make 1", "make 2"}

    store.upsert_spans([open_.replace(end=T0 + 15, title="make 3")])
    store.add_spans([Span(T0 - 200, T0 - 190, app="term", title="make 3")])
    store.upsert_spans([open_.replace(end=T0 + 20, title="make 4")])
    assert stored_activities(store) == {"make 1", "make 3", "make 4"}

    store.upsert_spans([open_.replace(end=T0 + 25, title="make 5")])
    other = Store(store.path, device="d")
    other.upsert_spans([Span(T0 - 400, T0 - 390, app="term", title="make 5")])
    other.close()
    store.upsert_spans([open_.replace(end=T0 + 30, title="make 6")])
    assert stored_activities(store) >= {"make 5", "make 6"}
    with sqlite3.connect(store.path) as conn:
        dangling = conn.execute("SELECT COUNT(*) FROM span WHERE activity NOT IN "
                                "(SELECT id FROM activity)").fetchone()[0]
    assert dangling == 0
    assert {s.title for s in store.spans(T0 - 1000, T0 + 100)} == \
        {"make 1", "make 3", "make 5", "make 6"}
    store.close()


def test_ids_are_not_handed_out_twice(tmp_path):
    store = Store(tmp_path / "tf.sqlite3", device="d")
    span = Span(T0, T0 + 5, app="term", title="old")
    store.upsert_spans([Span(T0 - 60, T0 - 50, app="term", title="older")])
    store.upsert_spans([span])
    ids = dict(sqlite3.connect(store.path).execute("SELECT title, id FROM activity"))
    assert ids["old"] > ids["older"]
    # back to an activity made before: the span's last one has the highest id, and stays
    store.upsert_spans([span.replace(end=T0 + 10, title="older")])
    store.upsert_spans([Span(T0 + 100, T0 + 110, app="term", title="newest")])
    after = dict(sqlite3.connect(store.path).execute("SELECT title, id FROM activity"))
    assert after["old"] == ids["old"] and after["newest"] > max(ids.values())
    store.close()


def v17_file(path) -> None:
    """A file as schema v17 left it, with a few rows in its keyed tables."""
    db = open_database(path, 5)
    migrations.migrate(db, target=17)
    conn = db.connection()
    conn.execute("INSERT INTO meta VALUES ('device', 'laptop')")
    conn.execute("INSERT INTO origin (id, source, device) VALUES (1, 'window', 'laptop')")
    conn.execute("INSERT INTO activity (id, key_hash, app, title, private, audible) "
                 "VALUES (1, 'h1', 'code', 'a.py - alpha', 0, 0)")
    conn.execute('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, clicks, '
                 "scrolls, moves, lines_added, lines_deleted, updated) "
                 "VALUES ('u1', ?, ?, 1, 1, 3, 0, 0, 0, 0, 0, 0)", (T0, T0 + 600))
    conn.execute("INSERT INTO rollup_quarter VALUES (?, 1, 1, 600.0)", (int(T0 // 900),))
    conn.execute("INSERT INTO rollup_day VALUES (?, 1, 1, 600.0)", (int(T0 // 86400),))
    conn.execute("INSERT INTO rollup_total VALUES (?, 600.0)", (int(T0 // 900),))
    conn.execute("INSERT INTO classification VALUES (1, 'tiny-1', 'alpha', 'coding', 2)")
    conn.execute("INSERT INTO insight_day_digest VALUES ('k', ?, '[]')", (int(T0 // 86400),))
    db.close()


def test_v18_keeps_rows_and_indexes_of_a_v17_file(tmp_path):
    path = tmp_path / "v17.sqlite3"
    v17_file(path)
    with sqlite3.connect(path) as conn:
        before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                  for t in migrations._KEYED}
        indexes = {n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    db = open_database(path, 5)
    migrations.migrate(db, target=18)
    db.close()
    with sqlite3.connect(path) as conn:
        for table in migrations._KEYED:
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                  (table,)).fetchone()
            assert sql.endswith("WITHOUT ROWID")
            assert conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == \
                before[table]
        assert {n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")} == \
            indexes
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_v17'"
                                ).fetchall()
    store = Store(path)  # and on to the latest step
    assert store.integrity_check() == []
    assert sum(store.seconds_by_activity(T0, T0 + 3600).values()) == 600
    assert store.cached_classifications("tiny-1", [1]) == \
        {1: Classification("alpha", "coding", 2)}
    store.upsert_spans([Span(T0 + 600, T0 + 700, app="code", title="a.py - alpha")])
    assert sum(store.seconds_by_activity(T0, T0 + 3600).values()) == 700
    store.close()


def test_step_23_drops_the_quarter_index_of_a_v22_file(tmp_path):
    """A new file has no index of the quarter rollups by activity; a file of version 22
    loses step 13's, its totals and an activity's quarters unchanged."""
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="d")
    store.add_spans([Span(T0 + 3600 * h, T0 + 3600 * h + 1000, app=app, title=f"t - {app}")
                     for h in range(0, 24 * 70, 7) for app in ("code", "chat")])
    every = store.seconds_by_quarter(T0, T0 + 70 * 86400)
    store.close()
    index = "SELECT name FROM sqlite_master WHERE name = 'rollup_quarter_activity'"
    with sqlite3.connect(path) as conn:
        assert conn.execute(index).fetchall() == []
        conn.execute("CREATE INDEX rollup_quarter_activity ON rollup_quarter "
                     "(activity, bucket, origin, seconds)")  # as step 13 made it
        conn.execute("UPDATE meta SET value = '22' WHERE key = 'schema_version'")
    store = Store(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute(index).fetchall() == []
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                            ).fetchone() == (str(migrations.LATEST),)
    assert store.seconds_by_quarter(T0, T0 + 70 * 86400) == every
    assert store.seconds_by_quarter(T0, T0 + 70 * 86400, activities={1}) == \
        {k: v for k, v in every.items() if k[1][0] == 1}
    assert store.integrity_check() == []
    store.close()


step = st.tuples(st.sampled_from(["upsert", "upsert", "upsert", "add", "other", "delete"]),
                 st.integers(0, 3), st.sampled_from(["a", "b", "c", "d"]), st.integers(1, 30))


def _minus(lo: float, hi: float, cuts: list[tuple[float, float]]) -> float:
    """The length of [lo, hi) outside the ranges `cuts`."""
    edges = sorted((max(a, lo), min(b, hi)) for a, b in cuts if a < hi and b > lo)
    covered, reach = 0.0, lo
    for a, b in edges:
        if b > reach:
            covered += b - max(a, reach)
            reach = b
    return hi - lo - covered


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=25))
def test_no_span_loses_its_activity(tmp_path_factory, steps):
    """Spans re-sent under changed titles (also after a deletion cut them), imports, another
    process's writes and deletions in any order: every span keeps its activity, the deleted
    ranges hold no time, and the time by title is the raw spans' clipped by the deletions."""
    path = tmp_path_factory.mktemp("f") / "tf.sqlite3"
    store = Store(path, device="d")
    spans = {i: Span(T0 + 1000 * i, T0 + 1000 * i, uuid=f"u{i}", app="x") for i in range(4)}
    others: list[Span] = []  # imported or written by another process
    deleted: list[tuple[float, float]] = []
    for n, (what, i, title, grow) in enumerate(steps):
        if what == "upsert":
            spans[i] = spans[i].replace(end=spans[i].end + grow, title=title)
            store.upsert_spans([spans[i]])
        elif what == "add":
            others.append(Span(T0 - 100 * (n + 1), T0 - 100 * n - 50, app="x", title=title))
            store.add_spans([others[-1]])
        elif what == "other":
            others.append(Span(T0 - 100 * (n + 1), T0 - 100 * n - 50, app="x", title=title))
            other = Store(path, device="d")
            other.upsert_spans([others[-1]])
            other.close()
        else:
            deleted.append((T0 + 1000 * i + grow, T0 + 1000 * i + grow + 5))
            store.delete_range(*deleted[-1])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM span WHERE activity NOT IN "
                            "(SELECT id FROM activity)").fetchone()[0] == 0
    for a, b in deleted:
        assert sum(store.seconds_by_activity(a, b).values()) == 0
    stored = store.spans(T0 - 10**5, T0 + 10**5)
    want: dict[str, float] = {}
    for s in stored:
        want[s.title] = want.get(s.title, 0.0) + s.duration
    # The spans do not overlap one another: the reference is each one's time minus deletions.
    reference: dict[str, float] = {}
    for s in [*spans.values(), *others]:
        reference[s.title] = reference.get(s.title, 0.0) + _minus(s.start, s.end, deleted)
    by_id = store.seconds_by_activity(T0 - 10**5, T0 + 10**5)
    fields = store.activities({a for a, _ in by_id})
    got: dict[str, float] = {}
    for (a, _), secs in by_id.items():
        title = fields[a][1]
        got[title] = got.get(title, 0.0) + secs
    got = {k: v for k, v in got.items() if v > 1e-9}
    assert got == pytest.approx({k: v for k, v in want.items() if v > 1e-9})
    assert got == pytest.approx({k: v for k, v in reference.items() if v > 1e-9})
    store.close()
