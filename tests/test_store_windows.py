"""Pieces of many windows in one query equal the pieces of each window read alone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.span import Span
from desktop.engine.store import Store
from tests.store_helpers import T0

span_st = st.builds(
    lambda start, length, source, project: Span(
        T0 + start, T0 + start + length, source=source, editor="vim", file="/r/a.py",
        project=project),
    st.integers(0, 7200), st.integers(1, 2400), st.sampled_from(["editor", "window"]),
    st.sampled_from(["a", "b"]))
window_st = st.tuples(st.integers(-600, 8000), st.integers(1, 1800)).map(
    lambda w: (T0 + w[0], T0 + w[0] + w[1]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=st.lists(span_st, max_size=20), windows=st.lists(window_st, max_size=8))
def test_pieces_of_many_windows_equal_each_window_alone(tmp_path_factory, spans, windows):
    store = Store(tmp_path_factory.mktemp("w") / "tf.sqlite3", device="dev-a")
    try:
        store.add_spans(spans)
        assert store.pieces_of(windows) == [store.pieces(a, b) for a, b in windows]
    finally:
        store.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=st.lists(span_st, max_size=20), windows=st.lists(window_st, max_size=8))
def test_activity_pieces_of_name_the_same_pieces(tmp_path_factory, spans, windows):
    store = Store(tmp_path_factory.mktemp("w") / "tf.sqlite3", device="dev-a")
    try:
        store.add_spans(spans)
        assert store.activity_pieces_of(windows) == [
            [(a, b, act) for a, b, (act, _) in pieces] for pieces in store.pieces_of(windows)]
    finally:
        store.close()
