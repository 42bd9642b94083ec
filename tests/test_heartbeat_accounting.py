"""The same heartbeats give the same time whatever their order, grouping, resends and restarts:
every path is checked against a plain reference implementation of WakaTime's rule."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.heartbeats import Heartbeat, join_key, parse_user_agent
from desktop.engine.span import ACTIVITY_FIELDS
from desktop.engine.store import Store
from desktop.engine.store.beats import hash64
from tests.store_helpers import post

T0 = 1_772_409_600.0  # 2026-03-02 00:00 UTC
DIMS = ("project", "file", "language", "branch")
TIMEOUT = 300.0  # short, so that runs often outlast a late heartbeat's neighbourhood


def reference(beats: list[Heartbeat], timeout: float = TIMEOUT) -> dict[tuple[str, str], float]:
    """WakaTime's rule, plainly: the distinct heartbeats sorted by time (ties by join key);
    the gap to the next one counts for the earlier one when it is below the timeout."""
    unique = {(b.time, b.identity): b for b in beats}.values()
    ordered = sorted(unique, key=lambda b: (b.time, hash64(join_key(
        b, parse_user_agent(b.user_agent)))))
    out: dict[tuple[str, str], float] = defaultdict(float)
    for b, following in pairwise(ordered):
        gap = following.time - b.time
        if gap < timeout:
            for dim in DIMS:
                out[dim, getattr(b, "entity" if dim == "file" else dim) or ""] += gap
    return {k: v for k, v in out.items() if v > 0}


def by_dimension(seconds: dict[tuple[int, int], float], fields: dict[int, tuple]
                 ) -> dict[tuple[str, str], float]:
    """Seconds per (activity, origin) as (dimension, value) totals; `fields`: each activity's
    fields in ACTIVITY_FIELDS order."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    for (activity, _), secs in seconds.items():
        row = dict(zip(ACTIVITY_FIELDS, fields[activity], strict=True))
        for dim in DIMS:
            out[dim, row[dim] or ""] += secs
    return {k: v for k, v in out.items() if v > 1e-9}


def stored_totals(store: Store) -> dict[tuple[str, str], float]:
    """Per dimension and value, from the store's rollups (what every report reads)."""
    by_activity = store.seconds_by_activity(0, 4e9)
    return by_dimension(by_activity, store.activities({a for a, _ in by_activity}))


def span_rows(store: Store) -> list[tuple]:
    return sorted((s.uuid, s.start, s.end, s.file, s.lines_added) for s in store.spans(0, 4e9))


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-6 for k in a)


FILES = ["/p/a.py", "/p/b.py", "/q/c.rs", "/q/d.md"]


@st.composite
def heartbeats(draw) -> list[Heartbeat]:
    n = draw(st.integers(1, 50))
    gaps = draw(st.lists(st.sampled_from([1, 10, 30, 60, 100, 120, 200, 299, 300, 301, 1000]) |
                         st.floats(0.5, 1200), min_size=n, max_size=n))
    out, t = [], T0 + draw(st.floats(0, 86400))
    for gap in gaps:
        t += gap
        i = draw(st.sampled_from([0, 0, 0, 1, 2, 3]))  # mostly one file: long runs
        out.append(Heartbeat(entity=FILES[i], time=t, project=FILES[i].split("/")[1],
                             language=["Python", "Python", "Rust", None][i],
                             branch=draw(st.sampled_from(["main", "main", "feature"])),
                             line_additions=draw(st.integers(0, 3)),
                             is_write=draw(st.booleans())))
    return out


@st.composite
def arrivals(draw, beats: list[Heartbeat]) -> list[tuple[list[Heartbeat], bool]]:
    """The heartbeats as they may arrive: most of them live, in time order, the others late
    (an offline queue replayed, in any order) or everything shuffled; some sent twice; cut
    into requests, each saying whether the store is reopened (a restart) before it."""
    if draw(st.booleans()):
        late = [b for b in beats if draw(st.integers(0, 3)) == 0]
        live = [b for b in beats if all(b is not x for x in late)]
        stream = sorted(live, key=lambda b: b.time) + draw(st.permutations(late))
    else:
        stream = list(draw(st.permutations(beats)))
    stream += draw(st.lists(st.sampled_from(beats), max_size=5)) if beats else []
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=len(stream))))
    parts, last = [], 0
    for cut in [*cuts, len(stream)]:
        if cut > last:
            parts.append(stream[last:cut])
            last = cut
    return [(part, draw(st.booleans())) for part in parts]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_grouping_and_restarts_give_wakatimes_totals(tmp_path_factory, data):
    beats = data.draw(heartbeats())
    path: Path = tmp_path_factory.mktemp("acc") / "tf.sqlite3"
    store = Store(path, device="dev")
    try:
        for part, restart in data.draw(arrivals(beats)):
            if restart:
                store.close()
                store = Store(path, device="dev")
            post(store, part, editor=TIMEOUT)
        expected = reference(beats)
        assert same(stored_totals(store), expected), (stored_totals(store), expected)
        # Not only the totals: the spans themselves are those of the sorted set in one go.
        sorted_store = Store(path.with_name("sorted.sqlite3"), device="dev")
        post(sorted_store, sorted(beats, key=lambda b: b.time), editor=TIMEOUT)
        assert span_rows(store) == span_rows(sorted_store)
        sorted_store.close()
    finally:
        store.close()
