from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.engine.span import Span, source_priority
from desktop.engine.timeline import covered, resolve


def union_seconds(spans: list[Span]) -> float:
    total, cur_a, cur_b = 0.0, None, None
    for a, b in sorted((s.start, s.end) for s in spans if s.end > s.start):
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    return total + (cur_b - cur_a if cur_b is not None else 0.0)


def sp(start, end, source="window", **kw) -> Span:
    return Span(start, end, source=source, **kw)


def as_tuples(pieces):
    return [(p.start, p.end, p.span.source) for p in pieces]


def test_empty_and_zero_length():
    assert resolve([]) == []
    assert resolve([sp(5, 5), sp(7, 6)]) == []


def test_disjoint_spans_pass_through():
    pieces = resolve([sp(10, 20), sp(0, 5)])
    assert [(p.start, p.end) for p in pieces] == [(0, 5), (10, 20)]


def test_editor_wins_over_window_inside():
    window = sp(0, 100, "window", app="code")
    editor = sp(30, 60, "editor", file="a.py")
    assert as_tuples(resolve([window, editor])) == [
        (0, 30, "window"), (30, 60, "editor"), (60, 100, "window")]


def test_import_source_ranks_as_its_kind():
    window = sp(0, 100, "window")
    waka = sp(0, 50, "wakatime:editor")
    assert as_tuples(resolve([window, waka])) == [(0, 50, "wakatime:editor"),
                                                   (50, 100, "window")]


def test_equal_priority_later_start_wins_and_order_independent():
    a = sp(0, 100, uuid="a")
    b = sp(40, 60, uuid="b")
    expect = [(0, 40, "a"), (40, 60, "b"), (60, 100, "a")]
    for spans in ([a, b], [b, a]):
        assert [(p.start, p.end, p.span.uuid) for p in resolve(spans)] == expect


def test_identical_spans_count_once():
    spans = [sp(0, 10, uuid=u) for u in "cab"]
    pieces = resolve(spans)
    assert [(p.start, p.end, p.span.uuid) for p in pieces] == [(0, 10, "a")]


def test_clipping():
    pieces = resolve([sp(0, 100), sp(50, 200, "editor")], 20, 120)
    assert as_tuples(pieces) == [(20, 50, "window"), (50, 120, "editor")]
    assert resolve([sp(0, 10)], 10, 20) == []


def test_adjacent_pieces_of_same_span_merge():
    window = sp(0, 100)
    low = sp(20, 40, "other")  # priority 0 < window: never wins
    assert as_tuples(resolve([window, low])) == [(0, 100, "window")]


def test_many_random_spans_fast_enough():
    rng = random.Random(1)
    spans = []
    for i in range(50_000):
        a = i * 10 + rng.random() * 5
        spans.append(sp(a, a + rng.random() * 30, rng.choice(["window", "editor", "browser"])))
    pieces = resolve(spans)
    assert abs(sum(p.duration for p in pieces) - union_seconds(spans)) < 1e-6


sources = st.sampled_from(["window", "browser", "editor", "wakatime:editor", "x"])
span_st = st.builds(
    lambda a, d, src, u: Span(float(a), float(a + d), source=src, uuid=f"u{u}"),
    st.integers(0, 200), st.integers(0, 60), sources, st.integers(0, 10**6))


@settings(max_examples=300, deadline=None)
@given(st.lists(span_st, max_size=25, unique_by=lambda s: s.uuid),
       st.one_of(st.none(), st.tuples(st.integers(-10, 150), st.integers(0, 150))))
def test_properties(spans, window):
    lo = hi = None
    if window:
        lo, hi = float(window[0]), float(window[0] + window[1])
    pieces = resolve(spans, lo, hi)
    # Sorted, non-overlapping, non-empty, inside the clip window.
    for p, q in itertools.pairwise(pieces):
        assert p.end <= q.start
    assert all(p.end > p.start for p in pieces)
    if window:
        assert all(lo <= p.start and p.end <= hi for p in pieces)
        clipped = [Span(max(s.start, lo), min(s.end, hi)) for s in spans]
    else:
        clipped = spans
    # Total of resolved == measure of the union: nothing double counted, nothing lost.
    assert abs(sum(p.duration for p in pieces) - union_seconds(clipped)) < 1e-9
    assert abs(covered((s.start, s.end) for s in clipped) - union_seconds(clipped)) < 1e-9
    # Each piece's winner covers it and has the top priority among spans covering it.
    for p in pieces:
        assert p.span.start <= p.start and p.end <= p.span.end
        mid = (p.start + p.end) / 2
        covering = [s for s in spans if s.start <= mid < s.end]
        assert source_priority(p.span.source) == max(source_priority(s.source)
                                                     for s in covering)
    # Input order does not matter.
    assert resolve(list(reversed(spans)), lo, hi) == pieces


def one_heap(items, lo, hi):
    """resolve_raw as it was before runs of overlapping items were resolved apart: one heap
    sweep over every item (the reference the run-wise sweep must equal exactly)."""
    import heapq
    lo_ = float("-inf") if lo is None else lo
    hi_ = float("inf") if hi is None else hi
    if lo_ >= hi_:
        return []
    todo = sorted([it for it in items if it[1] > it[0] and it[1] > lo_ and it[0] < hi_],
                  key=lambda it: it[0])
    out, heap, n = [], [], len(todo)
    if not n:
        return out
    ends = [min(hi_, it[1]) for it in todo]
    starts = [max(lo_, it[0]) for it in todo]
    i, t, last_idx = 0, starts[0], -1
    while i < n or heap:
        if not heap and i < n and starts[i] > t:
            t = starts[i]
        while i < n and starts[i] <= t:
            heapq.heappush(heap, (-todo[i][2], -todo[i][0], todo[i][3], i))
            i += 1
        while heap and ends[heap[0][3]] <= t:
            heapq.heappop(heap)
        if not heap:
            continue
        idx = heap[0][3]
        nxt = min(ends[idx], starts[i]) if i < n else ends[idx]
        if idx == last_idx and out[-1][1] == t:
            out[-1] = (out[-1][0], nxt, out[-1][2])
        else:
            out.append((t, nxt, todo[idx][4]))
            last_idx = idx
        t = nxt
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(-5, 80), st.integers(0, 3),
                          st.integers(0, 50)), max_size=40),
       st.one_of(st.none(), st.tuples(st.integers(-10, 300), st.integers(0, 200))))
def test_runs_resolve_as_one_sweep(raw, window):
    """Resolving runs of overlapping items apart gives exactly what one sweep gave."""
    from desktop.engine.timeline import resolve_raw
    items = [(float(a), float(a + d), p, f"u{u}", (a, d, p, u)) for a, d, p, u in raw]
    lo = hi = None
    if window:
        lo, hi = float(window[0]), float(window[0] + window[1])
    assert resolve_raw(items, lo, hi) == one_heap(items, lo, hi)


UUIDS = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
         "0", "z"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 8), st.integers(0, 2),
                          st.sampled_from(UUIDS), st.booleans()), min_size=2, max_size=2),
       st.one_of(st.none(), st.tuples(st.integers(-2, 12), st.integers(0, 12))))
def test_pairs_resolve_as_one_sweep(raw, window):
    """Two overlapping items (resolved apart from longer runs): what one sweep gives, the
    uuids of equal items compared as strings whether stored as bytes or not."""
    from desktop.engine.timeline import resolve_raw
    from desktop.engine.uuids import stored
    items = [(float(a), float(a + d), p, u, (a, d, p, u)) for a, d, p, u, _ in raw]
    kept = [(a, b, p, stored(u) if as_bytes else u, v)
            for (a, b, p, u, v), (*_, as_bytes) in zip(items, raw, strict=True)]
    lo = hi = None
    if window:
        lo, hi = float(window[0]), float(window[0] + window[1])
    assert resolve_raw(items, lo, hi) == one_heap(items, lo, hi) == resolve_raw(kept, lo, hi)
