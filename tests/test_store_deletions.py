"""A deletion holds against spans re-sent after it (the tracker's open span grows by uuid):
deleted time does not come back, and the part after the deletion is counted once."""

from __future__ import annotations

import time
import uuid

import pytest

from desktop.engine.span import Span
from desktop.engine.store import SpanWriter, Store
from desktop.engine.store.deletions import split_uuid

T0 = 1_700_000_000.0


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="d")
    yield s
    s.close()


def _stored(store: Store) -> list[tuple[str, float, float]]:
    return [(s.uuid, s.start - T0, s.end - T0) for s in store.spans(T0 - 100, T0 + 10**5)]


def _total(store: Store) -> float:
    return sum(store.seconds_by_activity(T0 - 100, T0 + 10**5).values())


def test_resent_span_stays_clipped(store):
    store.upsert_spans([Span(T0, T0 + 7, uuid="u0", app="x", title="a", keystrokes=80)])
    store.delete_range(T0 + 1, T0 + 6)
    store.upsert_spans([Span(T0, T0 + 8, uuid="u0", app="x", title="a", keystrokes=80)])
    tail = split_uuid("u0", T0 + 6)
    assert _stored(store) == [("u0", 0, 1), (tail, 6, 8)]  # the split-off part, grown: once
    assert _total(store) == 3
    assert sum(store.seconds_by_activity(T0 + 1, T0 + 6).values()) == 0
    assert sum(s.keystrokes for s in store.spans(T0 - 100, T0 + 100)) == 10 + 20
    store.upsert_spans([Span(T0, T0 + 20, uuid="u0", app="x", title="a")])
    assert _stored(store) == [("u0", 0, 1), (tail, 6, 20)]
    assert _total(store) == 15


def test_resent_span_ending_inside_the_deletion(store):
    """The deletion clipped the stored span (no split): the re-sent tail after it is new."""
    store.upsert_spans([Span(T0, T0 + 4, uuid="u0", app="x")])
    store.delete_range(T0 + 1, T0 + 6)
    store.upsert_spans([Span(T0, T0 + 5, uuid="u0", app="x")])
    assert _stored(store) == [("u0", 0, 1)]
    store.upsert_spans([Span(T0, T0 + 9, uuid="u0", app="x")])
    store.upsert_spans([Span(T0, T0 + 10, uuid="u0", app="x")])
    assert _stored(store) == [("u0", 0, 1), (split_uuid("u0", T0 + 6), 6, 10)]
    assert _total(store) == 5


def test_wholly_deleted_span_stays_deleted_and_later_cuts_keep_their_names(store):
    store.upsert_spans([Span(T0 + 2, T0 + 4, uuid="u0", app="x")])
    store.delete_range(T0, T0 + 5)
    store.upsert_spans([Span(T0 + 2, T0 + 5, uuid="u0", app="x")])
    assert _stored(store) == []
    store.upsert_spans([Span(T0 + 2, T0 + 30, uuid="u0", app="x")])
    assert _stored(store) == [("u0", 5, 30)]  # delete_range too keeps the uuid: no left part
    store.delete_range(T0 + 10, T0 + 12)  # splits u0
    store.delete_range(T0 + 20, T0 + 22)  # splits the split-off part
    store.upsert_spans([Span(T0 + 2, T0 + 40, uuid="u0", app="x")])
    first = split_uuid("u0", T0 + 12)
    assert _stored(store) == [("u0", 5, 10), (first, 12, 20),
                              (split_uuid(first, T0 + 22), 22, 40)]
    assert _total(store) == 5 + 8 + 18


def test_edits_and_spans_starting_after_the_deletion_are_not_clipped(store):
    now = time.time()
    store.delete_range(now - 600, now + 600)  # a deletion reaching past now
    later = Span(time.time() + 1, now + 300, uuid="later", app="x")
    store.upsert_spans([later])  # its time began after the deletion was made
    edited = Span(now - 500, now - 400, uuid="edited", device="other", app="x")
    store.upsert_spans([edited], edited=True)  # the user's own statement, made since
    assert {s.uuid: s.duration for s in store.spans(now - 1000, now + 1000)} == {
        "later": later.duration, "edited": 100}


def test_span_writer_flushes_do_not_undo_a_deletion(store):
    writer = SpanWriter(store, flush_interval=3600)
    span = Span(T0, T0 + 60, uuid="open", app="code", title="a")
    writer.put(span)
    writer.flush()
    store.delete_range(T0 + 10, T0 + 50)  # from the delete dialog, while the span is open
    for end in (T0 + 70, T0 + 90):  # the tracker re-sends its open span as it grows
        writer.put(span.replace(end=end))
        writer.flush()
    writer.close()
    assert writer.last_error is None
    assert _stored(store) == [("open", 0, 10), (split_uuid("open", T0 + 50), 50, 90)]
    assert _total(store) == 50
    assert sum(store.seconds_by_activity(T0 + 10, T0 + 50).values()) == 0


def test_deletion_applied_from_sync_holds(tmp_path):
    """A deletion made on another device, applied as sync applies it, cuts the open span
    here, and the tracker's next flushes keep it cut (so what is pushed is cut too)."""
    store = Store(tmp_path / "tf.sqlite3", device="d")
    store.upsert_spans([Span(T0, T0 + 100, uuid="open", app="code")])
    theirs = str(uuid.uuid4())
    assert store.delete_range(T0 + 20, T0 + 30, uuid=theirs, device="other") == 1
    store.upsert_spans([Span(T0, T0 + 120, uuid="open", app="code")])
    assert _stored(store) == [("open", 0, 20), (split_uuid("open", T0 + 30), 30, 120)]
    pushed = {s.uuid: (s.start - T0, s.end - T0)
              for s, _ in store.changed_spans((0.0, None), store.device, 100)}
    assert pushed == {"open": (0, 20), split_uuid("open", T0 + 30): (30, 120)}
    store.close()
