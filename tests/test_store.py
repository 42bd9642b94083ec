from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.span import ACTIVITY_FIELDS, Classification, Span
from desktop.engine.store import SpanWriter, Store, StoreError, migrations
from desktop.engine.store.db import open_database
from tests.store_helpers import T0, random_spans, raw_totals

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev-a")
    yield s
    s.close()


def rolled_totals(store: Store, start: float, end: float) -> dict[tuple, float]:
    """Store totals re-keyed like raw_totals, from the rollups."""
    origins = store.origins()
    by_key = store.seconds_by_activity(start, end)
    fields = store.activities({a for a, _ in by_key})
    acc: dict[tuple, float] = defaultdict(float)
    for (a, o), secs in by_key.items():
        acc[fields[a], *origins[o]] += secs
    return acc


def assert_same(got: dict, want: dict) -> None:
    got = {k: v for k, v in got.items() if v > 1e-6}
    want = {k: v for k, v in want.items() if v > 1e-6}
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-6)


def test_creates_wal_file_with_persistent_device(tmp_path):
    path = tmp_path / "sub" / "tf.sqlite3"
    s = Store(path)
    device = s.device
    assert len(device) == 36
    s.close()
    assert Store(path).device == device
    assert Store(path, device="laptop").device == "laptop"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == \
        str(migrations.LATEST)


def test_upsert_by_uuid(store):
    span = Span(T0, T0 + 10, app="code", title="a.py - alpha")
    store.upsert_spans([span])
    store.upsert_spans([span])
    span.end = T0 + 70  # the tracker re-sends its open span as it grows
    store.upsert_spans([span])
    got = store.spans(T0 - 100, T0 + 100)
    assert len(got) == 1
    assert (got[0].uuid, got[0].end, got[0].device, got[0].app) == (span.uuid, T0 + 70,
                                                                    "dev-a", "code")
    assert sum(store.seconds_by_activity(T0 - 3600, T0 + 3600).values()) == 70
    # Shrinking or moving a span updates the rollups of where it was, too.
    span.start, span.end = T0 + 4000, T0 + 4010
    store.upsert_spans([span])
    assert sum(store.seconds_by_activity(T0 - 3600, T0 + 3600).values()) == 0
    assert sum(store.seconds_by_activity(T0, T0 + 86400).values()) == 10


def test_add_spans_is_idempotent_and_leaves_existing_alone(store):
    spans = random_spans(1, 300)
    progress = []
    assert store.add_spans(spans, progress=lambda d, t: progress.append((d, t))) == 300
    assert progress[-1] == (300, 300)
    assert store.add_spans(spans) == 0
    changed = Span(spans[0].start, spans[0].end + 999, uuid=spans[0].uuid, app="other")
    assert store.add_spans([changed, Span(T0, T0 + 1)]) == 1
    kept = [s for s in store.spans(T0 - 86400, T0 + 5 * 86400) if s.uuid == spans[0].uuid]
    assert kept[0].end == spans[0].end and kept[0].app == spans[0].app
    assert len(store.spans(T0 - 86400, T0 + 5 * 86400)) == 301


def test_add_spans_over_many_chunks_is_whole_or_nothing(store, monkeypatch):
    """Activities first seen in one chunk and reused in later ones keep one id (ids are
    handed out in Python); a failure in a late chunk rolls back the earlier ones too."""
    from desktop.engine.store import store as store_module

    monkeypatch.setattr(store_module, "_CHUNK", 50)
    spans = [Span(T0 + i * 10, T0 + i * 10 + 5, app="code", title=f"f{i % 70} - p")
             for i in range(1000)]
    progress = []
    assert store.add_spans(spans, progress=lambda d, t: progress.append(d)) == 1000
    assert progress == list(range(50, 1001, 50))
    assert len(store.activities(range(1, 1000))) == 70
    assert sum(store.seconds_by_activity(T0, T0 + 86400).values()) == 5000

    later = [Span(T0 + 20_000 + i * 10, T0 + 20_000 + i * 10 + 5, app=f"new{i}")
             for i in range(300)]
    later[260] = Span(T0, T0 + 1, app=object())  # not storable: fails in the sixth chunk
    with pytest.raises(StoreError):
        store.add_spans(later)
    assert len(store.spans(T0 + 19_000, T0 + 86400)) == 0
    assert store.add_spans(later[:200]) == 200  # and the store goes on, ids still right
    assert len(store.activities(range(1, 1000))) == 270
    assert store.integrity_check() == []


def test_spans_range_includes_long_spans_started_before(store):
    long = Span(T0, T0 + 20_000, app="long")
    short = Span(T0 + 30_000, T0 + 30_010, app="short")
    store.add_spans([short, long])
    assert [s.app for s in store.spans(T0 + 19_000, T0 + 19_500)] == ["long"]
    assert [s.app for s in store.spans(T0 - 10, T0 + 40_000)] == ["long", "short"]
    assert store.spans(T0 + 20_000, T0 + 30_000) == []


def test_sees_what_another_connection_wrote(store):
    store.add_spans([Span(T0, T0 + 10, app="a")])
    assert sum(store.seconds_by_activity(T0 - 10, T0 + 86400).values()) == 10
    other = Store(store.path)  # as another process would
    other.add_spans([Span(T0 - 50_000, T0 + 20_000, source="editor", device="pc", file="f")])
    other.close()
    assert [s.source for s in store.spans(T0 + 15_000, T0 + 15_001)] == ["editor"]
    totals = store.seconds_by_activity(T0 - 10, T0 + 86400)
    assert sum(totals.values()) == 20_010  # the editor span wins the overlap
    assert {store.origins()[o] for _, o in totals} == {("editor", "pc")}


def test_two_writers_share_activities(tmp_path):
    a, b = Store(tmp_path / "tf.sqlite3"), Store(tmp_path / "tf.sqlite3")  # both see it empty
    a.add_spans([Span(T0, T0 + 10, app="same")])
    b.add_spans([Span(T0 + 20, T0 + 30, app="same")])
    assert len({act for act, _ in b.seconds_by_activity(T0, T0 + 100)}) == 1
    assert b.integrity_check() == []


def test_all_fields_round_trip(store):
    values = {f: f"v-{f}" for f in ACTIVITY_FIELDS if f not in ("private", "audible")}
    span = Span(T0, T0 + 5, source="browser", device="phone", private=True, audible=True,
                keystrokes=3, clicks=4, scrolls=5, moves=6, lines_added=7, lines_deleted=8,
                idle_to_active=9, **values)
    store.add_spans([span])
    assert store.spans(T0, T0 + 5) == [span]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_match_raw_resolution(store, seed):
    spans = random_spans(seed, 400)
    store.add_spans(spans[:200])
    store.upsert_spans(spans[200:])  # both write paths keep rollups exact
    rng = random.Random(seed)
    ranges = [(T0 - 86400, T0 + 5 * 86400), (T0 + 3600.5, T0 + 3600.5 + 86400 * 1.7)]
    ranges += [(a, a + rng.random() * 86400 * rng.choice([0.01, 0.3, 2]))
               for a in (T0 + rng.random() * 3 * 86400 for _ in range(20))]
    for a, b in ranges:
        assert_same(rolled_totals(store, a, b), raw_totals(spans, a, b))


def test_overlapping_sources_count_once(store):
    store.add_spans([Span(T0, T0 + 3600, app="code", title="x - alpha"),
                     Span(T0 + 600, T0 + 1200, source="editor", editor="vim", file="x.py"),
                     Span(T0, T0 + 3600, device="dev-b", app="code", title="x - alpha")])
    totals = rolled_totals(store, T0 - 10, T0 + 7200)
    assert sum(totals.values()) == 3600
    assert sorted(totals.values()) == [600, 3000]


def test_delete_range_clips_splits_and_updates_rollups(store):
    inside = Span(T0 + 100, T0 + 200, app="in")
    left = Span(T0 - 100, T0 + 50, app="left", keystrokes=150)
    right = Span(T0 + 900, T0 + 1100, app="right")
    around = Span(T0 - 500, T0 + 1500, source="other", app="around", clicks=200)
    outside = Span(T0 + 5000, T0 + 5100, app="out")
    spans = [inside, left, right, around, outside]
    store.add_spans(spans)
    assert store.delete_range(T0, T0 + 1000) == 4
    left_now = {s.app: s for s in store.spans(T0 - 1000, T0 + 6000)}
    assert (left_now["left"].start, left_now["left"].end) == (T0 - 100, T0)
    assert left_now["left"].keystrokes == 100
    assert (left_now["right"].start, left_now["right"].end) == (T0 + 1000, T0 + 1100)
    assert "in" not in left_now
    pieces = sorted((s.start, s.end) for s in store.spans(T0 - 1000, T0 + 6000)
                    if s.app == "around")
    assert pieces == [(T0 - 500, T0), (T0 + 1000, T0 + 1500)]
    assert sum(store.seconds_by_activity(T0, T0 + 1000).values()) == 0
    remaining = store.spans(T0 - 10_000, T0 + 10_000)
    for a, b in [(T0 - 3600, T0 + 7200), (T0 - 50, T0 + 1050)]:
        assert_same(rolled_totals(store, a, b), raw_totals(remaining, a, b))
    assert sqlite3.connect(store.path).execute("SELECT start, \"end\" FROM deletion") \
        .fetchall() == [(T0, T0 + 1000)]


def test_migration_from_v1_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = open_database(path, 5)
    migrations.migrate(db, target=1)  # a file as the first release left it
    conn = db.connection()
    conn.execute("INSERT INTO meta VALUES ('device', 'old-laptop')")
    conn.execute("INSERT INTO origin (id, source, device) VALUES (1, 'window', 'old-laptop')")
    conn.execute("INSERT INTO activity (id, key_hash, app, title, private, audible) "
                 "VALUES (1, 'h1', 'code', 'a.py - alpha', 0, 0)")
    for i in range(50):
        conn.execute('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, '
                     "clicks, scrolls, moves, lines_added, lines_deleted, updated) "
                     "VALUES (?, ?, ?, 1, 1, ?, 0, 0, 0, 0, 0, 0)",
                     (f"u{i}", T0 + i * 100, T0 + i * 100 + 60, i))
    db.close()
    assert "rollup_quarter" not in {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master")}
    store = Store(path)
    assert store.device == "old-laptop"
    spans = store.spans(T0 - 1, T0 + 10_000)
    assert len(spans) == 50 and spans[7].keystrokes == 7 and spans[0].app == "code"
    assert {s.idle_to_active for s in spans} == {0}  # not counted then (schema v9)
    assert sum(store.seconds_by_activity(T0 - 1, T0 + 10_000).values()) == 50 * 60
    assert store.integrity_check() == []
    # New activity keys after the migration do not collide with the old ones.
    store.add_spans([Span(T0 + 20_000, T0 + 20_010, app="new")])
    assert {s.app for s in store.spans(T0, T0 + 30_000)} == {"code", "new"}


def test_migration_v9_adds_idle_to_active_to_a_v7_file(tmp_path):
    """A file of schema v7 (its span table without the column, as v7 releases made it):
    the column is added, 0 for what was recorded, and new spans keep theirs."""
    path = tmp_path / "v7.sqlite3"
    Store(path, device="laptop").add_spans([Span(T0, T0 + 60, app="code", keystrokes=5)])
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE span DROP COLUMN idle_to_active")
    conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    store = Store(path)
    (old,) = store.spans(T0, T0 + 60)
    assert (old.keystrokes, old.idle_to_active) == (5, 0)
    store.add_spans([Span(T0 + 100, T0 + 160, app="code", idle_to_active=4)])
    assert [s.idle_to_active for s in store.spans(T0, T0 + 200)] == [0, 4]
    assert store.integrity_check() == []


def test_integrity_and_backups(store):
    store.add_spans(random_spans(4, 50))
    assert store.integrity_check() == []
    made = [store.backup(keep=3) for _ in range(5)]
    kept = sorted((store.path.parent / "backups").glob("*.sqlite3"))
    assert kept == made[-3:]
    copy = Store(kept[-1])
    assert len(copy.spans(T0 - 86400, T0 + 10 * 86400)) == 50
    assert copy.integrity_check() == []


def test_garbage_file_gives_clear_error(tmp_path):
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="corrupt or not a TimeForged database"):
        Store(path)


def test_locked_database_writer_keeps_spans_and_retries(tmp_path):
    path = tmp_path / "tf.sqlite3"
    store = Store(path, timeout=0.2)
    writer = SpanWriter(store, flush_interval=3600)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another program"):
            store.upsert_spans([Span(T0, T0 + 1)])
        span = Span(T0, T0 + 10, app="code")
        writer.put(span)
        writer.flush()  # must not raise
        assert writer.pending == 1
        assert "locked" in writer.last_error
        span2 = Span(T0, T0 + 20, app="code", uuid=span.uuid)  # grew meanwhile
        writer.put(span2)
        writer.put(Span(T0 + 30, T0 + 40, app="code"))
        writer.flush()
        assert writer.pending == 2
    finally:
        other.execute("ROLLBACK")
        other.close()
    writer.close()
    assert writer.pending == 0 and writer.last_error is None
    got = store.spans(T0, T0 + 100)
    assert [(s.start, s.end) for s in got] == [(T0, T0 + 20), (T0 + 30, T0 + 40)]


def test_writer_flushes_on_its_own(store):
    writer = SpanWriter(store, flush_interval=0.2)
    writer.put(Span(T0, T0 + 5))
    deadline = time.monotonic() + 5
    while not store.spans(T0, T0 + 5) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(store.spans(T0, T0 + 5)) == 1
    writer.close()


def test_writer_loses_no_put_made_during_flushes(store):
    """Threads put spans (new ones, and others growing: later versions of a uuid) while
    another flushes again and again, the interpreter switching threads every microsecond:
    the store ends with every span, each uuid at its last version."""

    def grow(n: int) -> None:
        for version in range(1, 61):
            for i in range(40):
                writer.put(Span(T0 + i * 100, T0 + i * 100 + version, app="code",
                                uuid=f"u{n}-{i}"))
                writer.put(Span(T0 - 1, T0, uuid=f"new{n}-{version}-{i}"))

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        writer = SpanWriter(store, flush_interval=3600)
        threads = [threading.Thread(target=grow, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            writer.flush()
        writer.close()
    finally:
        sys.setswitchinterval(switch)
    assert writer.pending == 0 and writer.last_error is None
    got = store.spans(T0, T0 + 5000)
    assert sorted(s.uuid for s in got) == sorted(f"u{n}-{i}" for n in range(3)
                                                  for i in range(40))
    assert {s.end - s.start for s in got} == {60.0}
    assert len(store.spans(T0 - 1, T0)) == 3 * 60 * 40


CHILD = textwrap.dedent("""
    import sys
    from desktop.engine.span import Span
    from desktop.engine.store import SpanWriter, Store
    store = Store(sys.argv[1], device="child")
    writer = SpanWriter(store, flush_interval=3600)
    t, i = 1_772_409_600.0, 0
    while True:
        for _ in range(3000):
            writer.put(Span(t + i * 10, t + i * 10 + 8, app=f"app{i % 7}", title=f"t{i % 500}",
                            uuid=f"span-{i}"))
            i += 1
        writer.flush()
        print(i, flush=True)
""")


def test_kill_9_mid_write_loses_nothing_flushed(tmp_path):
    path = tmp_path / "tf.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    flushed = 0
    try:
        while flushed < 15_000:
            flushed = int(proc.stdout.readline())
        time.sleep(random.Random(7).random() * 0.3)  # land somewhere inside a write
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
    store = Store(path)
    assert store.integrity_check() == []
    uuids = {s.uuid for s in store.spans(T0 - 1, T0 + 10**7)}
    assert {f"span-{i}" for i in range(flushed)} <= uuids
    # The rollups committed with the spans: totals agree with the raw rows.
    spans = store.spans(T0 - 1, T0 + 10**7)
    assert sum(store.seconds_by_activity(T0 - 1, T0 + 10**7).values()) == \
        pytest.approx(sum(s.duration for s in spans))
    store.add_spans([Span(T0 - 100, T0 - 50)])  # and it is writable again


span_strategy = st.builds(
    lambda a, d, src, dev, app: Span(T0 + a, T0 + a + d, source=src, device=dev, app=app),
    st.floats(0, 3 * 86400, allow_nan=False), st.sampled_from([0, 1, 60, 900, 4000, 90000]),
    st.sampled_from(["window", "editor", "browser"]), st.sampled_from(["d1", "d2"]),
    st.sampled_from(["a", "b", None]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(span_strategy, max_size=30), st.lists(span_strategy, max_size=10),
       st.tuples(st.floats(0, 3 * 86400), st.floats(0, 86400)),
       st.tuples(st.floats(-3600, 3 * 86400), st.floats(0, 2 * 86400)))
def test_rollups_stay_exact_through_writes(tmp_path_factory, first, second, cut, query):
    store = Store(tmp_path_factory.mktemp("h") / "tf.sqlite3", device="d1")
    store.add_spans(first)
    for s in first[::3]:  # the tracker growing some spans
        s.end += 77
    store.upsert_spans(first[::3] + second)
    store.delete_range(T0 + cut[0], T0 + cut[0] + cut[1])
    lo, hi = T0 + query[0], T0 + query[0] + query[1]
    remaining = store.spans(T0 - 10**6, T0 + 10**6)
    assert_same(rolled_totals(store, lo, hi), raw_totals(remaining, lo, hi))
    assert sum(store.quarter_sums(lo, hi).values()) == pytest.approx(
        sum(raw_totals(remaining, lo, hi).values()), abs=1e-6)
    store.close()


def test_migration_v19_keys_classifications_by_integers(tmp_path):
    """A file of schema v17 (classifications keyed by fingerprint text): step 19 moves them,
    each fingerprint's, to the integer-keyed table; the store reads and forgets them there."""
    path = tmp_path / "v17.sqlite3"
    Store(path).add_spans([Span(T0 + 60 * i, T0 + 60 * i + 50, app=f"app{i}")
                           for i in range(5)])
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE classified")
    conn.execute("DROP TABLE classifier")
    conn.execute('CREATE TABLE "classification" ("activity" INTEGER NOT NULL, "fingerprint" '
                 'VARCHAR(64) NOT NULL, "project" TEXT, "category" TEXT NOT NULL, '
                 '"productivity" INTEGER NOT NULL, PRIMARY KEY ("fingerprint", "activity"))')
    ids = [i for (i,) in conn.execute("SELECT id FROM activity ORDER BY id")]
    old = {a: Classification(None if a % 2 else f"p{a}", f"c{a}", a % 3 - 1) for a in ids}
    conn.executemany("INSERT INTO classification VALUES (?, ?, ?, ?, ?)",
                     [(a, fp, c.project, c.category, c.productivity) for fp in ("new", "old")
                      for a, c in old.items() if fp == "old" or a != ids[0]])
    conn.execute("UPDATE meta SET value = '17' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.cached_classifications("old", ids) == old
    assert store.cached_classifications("new", ids) == {a: old[a] for a in ids[1:]}
    assert store.classified_otherwise("old", "new") is None  # one not classified by "new"
    store.save_classifications("new", {ids[0]: Classification("x", "y", 2)}, keep="old")
    assert store.classified_otherwise("old", "new") == {ids[0]}
    store.save_classifications("other", {ids[1]: old[ids[1]]})  # forgets "new" and "old"
    assert store.cached_classifications("new", ids) == {}
    assert store.cached_classifications("other", ids) == {ids[1]: old[ids[1]]}
    conn = sqlite3.connect(path)
    assert "classification" not in {n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert conn.execute("SELECT fingerprint FROM classifier").fetchall() == [("other",)]
    conn.close()
    assert store.integrity_check() == []
