"""The writer's path: `upsert_spans(refresh=True)` rolls new spans up from memory in the write
transaction; it must leave exactly the rows the deferred path (upsert, then refresh_rollups,
which reads every span back) leaves, on real SQLite files."""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.span import Span
from desktop.engine.store import Store, rollups
from desktop.engine.store import store as store_module
from tests.store_helpers import T0, raw_totals
from tests.test_store import assert_same, rolled_totals

DAY = 86400.0
TABLES = {"span": 'uuid, start, "end", activity, origin, keystrokes',
          "rollup_quarter": "bucket, activity, origin, seconds",
          "rollup_total": "bucket, seconds", "rollup_day": "day, activity, origin, seconds",
          "rollup_dirty": "bucket", "activity": "id, key_hash", "active_day": "day"}


def state(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    out = {t: sorted(conn.execute(f"SELECT {cols} FROM {t}"), key=repr)  # uuids: bytes or text
           for t, cols in TABLES.items()}
    conn.close()
    return out


def both(tmp: Path, steps: list[tuple[str, list[Span]]], last: list[Span]
         ) -> tuple[Store, Store]:
    """Two stores given the same `steps` ("add", "upsert" without refresh, "delete" a span's
    range), then `last` by the writer's path in one, by the deferred path in the other."""
    stores = []
    for name in ("live", "deferred"):
        store = Store(tmp / f"{name}.sqlite3", device="d1")
        for how, spans in steps:
            if how == "add":
                store.add_spans(spans)
            elif how == "upsert":
                store.upsert_spans(spans)
            else:
                for s in spans:
                    store.delete_range(s.start, s.end)
        stores.append(store)
    live, deferred = stores
    live.upsert_spans(last, refresh=True)
    deferred.upsert_spans(last)
    deferred.refresh_rollups()
    return live, deferred


def check(tmp: Path, steps: list[tuple[str, list[Span]]], last: list[Span]) -> None:
    live, deferred = both(tmp, steps, last)
    if not last:  # nothing to write: the writer does not flush
        live.refresh_rollups()
    got, want = state(live.path), state(deferred.path)
    assert got["rollup_dirty"] == [] == want["rollup_dirty"]
    assert got == want
    spans = live.spans(T0 - 10 * DAY, T0 + 10 * DAY)
    for lo, hi in ((T0 - 10 * DAY, T0 + 10 * DAY), (T0 + 3600.5, T0 + 1.3 * DAY)):
        assert_same(rolled_totals(live, lo, hi), raw_totals(spans, lo, hi))
    live.close()
    deferred.close()


def sp(a: float, b: float, uuid: str, source: str = "window", app: str = "a",
       device: str = "d1") -> Span:
    return Span(T0 + a, T0 + b, source=source, uuid=uuid, app=app, device=device)


def test_new_spans_into_quarters_holding_stored_ones(tmp_path):
    """All new (rolled up from memory), among stored spans of other sources: one reaching
    from the day before over several days, one ending inside the batch's first quarter."""
    stored = [sp(-DAY - 100, 2.5 * DAY, "long", "browser", "web"),
              sp(100, 460, "near", "editor", "ed"), sp(5000, 5003, "apart")]
    batch = [sp(400, 1000, "n1"), sp(950, 4000, "n2", "editor", "ed"),
             sp(1.5 * DAY, 1.5 * DAY + 7200, "n3", app="b", device="d2"),
             sp(2 * DAY, 2 * DAY, "empty")]
    check(tmp_path, [("add", stored)], batch)


def test_new_spans_written_at_the_clock_reading_of_stored_ones(tmp_path, monkeypatch):
    """The spans stored before are told apart from the new ones by the time they were written
    at; at the very same clock reading (a clock set back) by their uuids: none is left out."""
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    stored = [sp(-500, 300, "before"), sp(100, 460, "near", "editor", "ed"),
              sp(DAY, DAY + 60, "apart")]
    check(tmp_path, [("add", stored)], [sp(400, 1000, "n1"), sp(950, 4000, "n2", "editor")])


def test_resent_open_span_and_pending_marks(tmp_path):
    """The tracker re-sends its open span (its old quarters dirty too); marks left by an
    earlier write without refresh are refreshed in the same transaction."""
    steps = [("upsert", [sp(0, 1000, "open", app="t1"), sp(0, 200, "e", "editor")]),
             ("upsert", [sp(3 * DAY, 3 * DAY + 50, "other")])]
    check(tmp_path, steps, [sp(0, 2000, "open", app="t2"), sp(2000, 2100, "next")])


def test_resent_span_clipped_by_a_deletion(tmp_path):
    steps = [("add", [sp(0, 1000, "open")]), ("delete", [sp(300, 600, "-")])]
    check(tmp_path, steps, [sp(0, 1500, "open"), sp(1500, 1600, "new")])


def test_batch_wholly_deleted_still_refreshes(tmp_path):
    steps = [("upsert", [sp(0, 1000, "open")]), ("delete", [sp(-10, 2000, "-")])]
    check(tmp_path, steps, [sp(0, 1500, "open")])


def test_windows_no_stored_span_reaches_read_none_back(tmp_path, monkeypatch):
    """Spans stored before the batch lie within the first and last start they had: a window
    before the first, or later than the last by more than the longest span, reads none back
    (the others do); both paths still leave the same rows."""
    read: list[float] = []
    real = rollups._stored_before

    def spy(conn, lo, *args):
        read.append(lo)
        return real(conn, lo, *args)

    monkeypatch.setattr(rollups, "_stored_before", spy)
    stored = [sp(DAY, DAY + 600, "a"), sp(DAY + 300, DAY + 4000, "b", "editor")]
    batch = [sp(0, 500, "early"), sp(DAY + 100, DAY + 200, "among", "browser"),
             sp(DAY + 2 * 3600, DAY + 2 * 3600 + 60, "after-longest"),
             sp(3 * DAY, 3 * DAY + 900, "late")]
    check(tmp_path, [("add", stored)], batch)
    assert read == [T0 + DAY]  # the window of "among" alone (the longest span is 3,700 s)


def test_a_uuid_twice_in_one_batch(tmp_path):
    check(tmp_path, [], [sp(0, 100, "x"), sp(50, 900, "y"), sp(0, 300, "x", app="later")])


def test_a_uuid_again_in_later_chunks_of_a_write(tmp_path, monkeypatch):
    """A write in chunks of 2 spans where uuids come again in later chunks, one of them
    stored before the write: the last row of each uuid is what the store holds, and both
    paths leave the same rows."""
    monkeypatch.setattr(store_module, "_CHUNK", 2)
    stored = [sp(0, 100, "x", app="old")]
    batch = [sp(0, 200, "x", app="v1"), sp(300, 400, "y"), sp(0, 300, "x", app="v2"),
             sp(500, 600, "z", app="z1"), sp(450, 650, "z", app="z2"), sp(0, 250, "x", app="v3")]
    live, deferred = both(tmp_path, [("add", stored)], batch)
    for store in (live, deferred):
        got = {s.uuid: (s.end - s.start, s.app) for s in store.spans(T0 - 10, T0 + 1000)}
        assert got == {"x": (250.0, "v3"), "y": (100.0, "a"), "z": (200.0, "z2")}
    assert state(live.path) == state(deferred.path)
    live.close()
    deferred.close()


def test_a_resent_span_in_an_early_chunk_of_a_small_write(tmp_path, monkeypatch):
    """A flush-sized write (under _IN spans) in chunks of 3: the span re-sent with a new title
    comes in the first chunk, the last chunk holds others only. Its old activity, which only
    it used, is deleted (what the tracker's open span leaves behind), and both paths leave the
    same rows."""
    monkeypatch.setattr(store_module, "_CHUNK", 3)
    steps = [("upsert", [sp(0, 100, "open", app="title 1")])]
    batch = [sp(0, 200, "open", app="title 2"), sp(300, 400, "b"), sp(400, 500, "c"),
             sp(500, 600, "d")]
    live, deferred = both(tmp_path, steps, batch)
    for store in (live, deferred):
        apps = {app for (app,) in sqlite3.connect(store.path).execute("SELECT app FROM activity")}
        assert apps == {"title 2", "a"}
    assert state(live.path) == state(deferred.path)
    live.close()
    deferred.close()


span_st = st.builds(
    lambda a, d, src, dev, app, u: sp(a, a + d, f"u{u}", src, app, dev),
    st.floats(-3600, 3 * DAY, allow_nan=False), st.sampled_from([0, 1, 60, 900, 4000, 90000]),
    st.sampled_from(["window", "editor", "browser"]), st.sampled_from(["d1", "d2"]),
    st.sampled_from(["a", "b", None]), st.integers(0, 40))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(span_st, max_size=25), st.lists(span_st, max_size=15),
       st.lists(span_st, max_size=2), st.sampled_from(["add", "upsert"]),
       st.sampled_from([store_module._CHUNK, 3]))
def test_writer_path_equals_deferred_path(tmp_path_factory, monkeypatch, stored, batch, cuts,
                                          how, chunk):
    """Stored spans (rolled up or only marked), deletions, then a batch: new spans, some of
    the stored uuids again (re-sent), some uuids twice; both paths leave the same rows,
    whether a write is prepared and inserted in one chunk or in chunks of 3 spans (its rows
    all written at one time, which tells them from the stored ones)."""
    monkeypatch.setattr(store_module, "_CHUNK", chunk)
    check(tmp_path_factory.mktemp("w"), [(how, stored), ("delete", cuts)], batch)


@given(st.lists(st.tuples(
    st.one_of(st.floats(min_value=0, max_value=5000), st.sampled_from(["edge", "edge+1"])),
    st.one_of(st.floats(min_value=0.001, max_value=5000), st.sampled_from([900.0, 2700.0])),
    st.sampled_from([(1, 1), (2, 1), (1, 2)]))),
    st.integers(min_value=-1000, max_value=10**4).map(lambda k: k * 900.0))
def test_quarter_rows_are_by_quarters_sums_in_its_order(raw, origin):
    """Pieces in time order that do not overlap (as resolve_raw gives them), any length,
    starting at quarter edges (the next one after the piece before, or the one after it) or
    not: quarter_rows gives by_quarter's sums, to the last bit, quarter by quarter, a
    quarter's rows in the order of its pieces."""
    pieces, at = [], origin
    for gap, length, key in raw:
        if isinstance(gap, str):  # the next quarter edge (or the one after)
            start = math.ceil(at / 900) * 900.0 + (900.0 if gap == "edge+1" else 0.0)
        else:
            start = at + gap
        pieces.append((start, start + length, key))
        at = start + length
    want = [(q, act, org, secs) for (q, (act, org)), secs in rollups.by_quarter(pieces).items()]
    want.sort(key=lambda row: row[0])  # (stable)
    assert rollups.quarter_rows(pieces) == want
    assert all(isinstance(row[0], int) for row in want)


def sums_of_quarters(path: Path) -> tuple[dict, dict, dict, dict]:
    """(day rows, quarter totals) as stored, and as summed from the quarter rows: a day's
    quarters in their order, a quarter's rows in any (they are exact here: one is compared
    to the last bit, the other closely)."""
    conn = sqlite3.connect(path)
    days: dict = {}
    totals: dict = {}
    for q, act, org, secs in conn.execute("SELECT bucket, activity, origin, seconds FROM "
                                          "rollup_quarter ORDER BY bucket"):
        k = (q // rollups.QUARTERS_PER_DAY, act, org)
        days[k] = days.get(k, 0.0) + secs
        totals[q] = totals.get(q, 0.0) + secs
    stored_days = {(d, a, o): s for d, a, o, s in conn.execute("SELECT * FROM rollup_day")}
    stored_totals = dict(conn.execute("SELECT bucket, seconds FROM rollup_total"))
    conn.close()
    return stored_days, days, stored_totals, totals


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(span_st, max_size=12), st.booleans()), max_size=5))
def test_days_refreshed_a_few_quarters_at_a_time_sum_all_their_quarters(tmp_path_factory,
                                                                          batches):
    """Batches refreshed one after another (by the writer's path or the deferred one), each
    touching some quarters of days that hold others already rolled up: every day row is its
    quarters' sum, in their order, to the last bit; every quarter total its rows' sum."""
    store = Store(tmp_path_factory.mktemp("d") / "tf.sqlite3", device="d1")
    written: dict[str, Span] = {}
    for batch, live in batches:
        if live:
            store.upsert_spans(batch, refresh=True)
        else:
            store.upsert_spans(batch)
            store.refresh_rollups()
        written.update((s.uuid, s) for s in batch)
        stored_days, days, stored_totals, totals = sums_of_quarters(store.path)
        assert stored_days == days
        assert stored_totals.keys() == totals.keys()
        assert all(abs(stored_totals[q] - totals[q]) < 1e-6 for q in totals)
    lo, hi = T0 - 2 * DAY, T0 + 5 * DAY
    assert_same(rolled_totals(store, lo, hi), raw_totals(store.spans(lo, hi), lo, hi))
    store.close()


def test_refresh_in_batches_of_whole_days_leaves_the_same_rows(tmp_path, monkeypatch):
    """A refresh of many quarters writes a batch of whole days at a time (its memory bounded):
    batches of a window each (a day or less, cut only where a day ends) leave the rows one
    batch leaves, by either path."""
    spans = [sp(h * 3600 + m, h * 3600 + m + d, f"s{h}-{m}", src)
             for h in range(0, 80, 3) for m, d, src in ((0, 7000, "window"), (60, 300, "editor"),
                                                         (1800, 90_000, "browser"))]
    states = []
    for size in (rollups._BATCH_ROWS, 1):
        monkeypatch.setattr(rollups, "_BATCH_ROWS", size)
        for how in ("live", "deferred"):
            store = Store(tmp_path / f"{size}-{how}.sqlite3", device="d1")
            store.upsert_spans(spans[:5])
            store.refresh_rollups()
            store.upsert_spans(spans[5:], refresh=how == "live")
            if how == "deferred":
                store.refresh_rollups()
            states.append(state(store.path))
            store.close()
    assert all(s == states[0] for s in states[1:])
    stored_days, days, _, _ = sums_of_quarters(tmp_path / "1-live.sqlite3")
    assert stored_days == days != {}


def test_fresh_path_reads_only_spans_stored_before(tmp_path):
    """The spans read back are those written at another time than the fresh ones (which come
    from memory); all of theirs when more were written then, the fresh ones left out."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    store.add_spans([sp(0, 100, "old")])
    store.add_spans([sp(100, 200, "new")])
    with store._write() as conn:
        (at,) = conn.execute("SELECT updated FROM span WHERE uuid = 'new'").fetchone()
        fresh = rollups.Fresh([(T0 + 100, T0 + 200, 0, "new", (1, 1))], set(), at)
        read = rollups._stored_before(conn, T0, T0 + 900, 900, {}, fresh, 1)
        assert [it[3] for it in read] == ["old"]
        conn.execute("UPDATE span SET updated = ?", (at,))  # both written at that reading
        read = rollups._stored_before(conn, T0, T0 + 900, 900, {}, fresh, 1)
        assert [it[3] for it in read] == ["old"]
    store.close()


@given(st.lists(st.one_of(
    st.floats(min_value=-4e9, max_value=4e9, allow_nan=False),
    st.integers(min_value=-10**10, max_value=10**10),
    st.integers(min_value=0, max_value=10**7).map(lambda k: k * rollups.QUARTER * 1.0),
    st.integers(min_value=0, max_value=10**7).map(lambda k: k * rollups.QUARTER - 1e-6))))
def test_the_quarters_of_sorted_times_are_each_times_quarter(times):
    times.sort()
    assert rollups.quarters_at(times) == {t // rollups.QUARTER for t in times}


def _by_quarter_reference(pieces):
    acc: dict = {}
    for a, b, key in pieces:
        q = int(a // rollups.QUARTER)
        while True:
            edge = (q + 1) * rollups.QUARTER
            if b <= edge:
                acc[q, key] = acc.get((q, key), 0.0) + (b - a)
                break
            acc[q, key] = acc.get((q, key), 0.0) + (edge - a)
            a = edge
            q += 1
    return acc


@given(st.lists(st.tuples(
    st.one_of(st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
              st.integers(min_value=-1000, max_value=10**4).map(lambda k: k * 900.0)),
    st.floats(min_value=0.001, max_value=5000),
    st.sampled_from([(1, 1), (2, 1), (1, 2)]))), st.booleans())
def test_seconds_by_quarter_are_summed_in_the_order_of_the_pieces(raw, in_order):
    pieces = [(a, a + d, key) for a, d, key in raw]
    if in_order:
        pieces.sort()
    found = rollups.by_quarter(pieces)
    assert found == _by_quarter_reference(pieces)  # the same sums, to the last bit
    assert all(isinstance(q, int) for q, _ in found)
