"""The insights' day digests stored in the database (desktop.engine.store.day_digests): read
back by a new process instead of resolving spans, never served once their day changed."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.analytics import Analytics
from desktop.engine.insights import (
    InsightsCache,
    coding_stretches,
    combine,
    digest_key,
    switches,
)
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store
from tests.store_helpers import T0, TinyRules
from tests.test_insights import day, reference_breakers, reference_pieces

H = 3600


class ChatIsCoding(TinyRules):
    """Other rules: chat counts as coding too."""

    def __init__(self) -> None:
        super().__init__("tiny-chat-codes")

    def classify(self, span: Span) -> Classification:
        if span.app == "chat":
            return Classification("team", "coding", 2)
        return super().classify(span)


def stored_days(path: Path) -> dict[int, bool]:
    """Day -> has a body, of the rows on disk (under any key)."""
    with sqlite3.connect(path) as conn:
        return {d: body is not None for d, body in conn.execute(
            "SELECT day, body FROM insight_day_digest")}


def fresh(store: Store, rules: TinyRules, durable: bool = True) -> InsightsCache:
    """An InsightsCache as a new process has it: nothing in memory."""
    return InsightsCache(Analytics(store, rules, UTC), durable=durable)


def test_a_new_process_reads_the_stored_digests(tmp_path, monkeypatch):
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="dev-a")
    for k in range(3):
        day(store, T0 + k * 86400)
    start = datetime.fromtimestamp(T0, UTC)
    end = start + timedelta(days=3)
    want = fresh(store, TinyRules()).compute(start, end).as_dict()
    assert stored_days(path) == {int(T0 // 86400) + k: True for k in range(3)}
    store.close()

    store = Store(path, device="dev-a")  # a new process: resolves no whole day's spans
    cache = fresh(store, TinyRules())
    read: list = []
    original = cache._read
    monkeypatch.setattr(cache, "_read", lambda w: (read.append(w), original(w))[1])
    assert cache.compute(start, end).as_dict() == want
    assert read == [[(T0, T0), (T0 + 3 * 86400, T0 + 3 * 86400)]]  # the empty edges only
    store.close()


def test_a_changed_day_is_never_served_stale(tmp_path):
    """Stored, then the day changes (spans added, then deleted): a new cache sees it."""
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="dev-a")
    day(store, T0)
    start = datetime.fromtimestamp(T0, UTC)
    end = start + timedelta(days=1)
    assert fresh(store, TinyRules()).compute(start, end).longest.seconds == H
    store.add_spans([Span(T0 + 10 * H, T0 + 10 * H + 600, app="code", title="a.py - alpha",
                          source="editor", editor="vim")])  # over the youtube break
    assert fresh(store, TinyRules()).compute(start, end).longest.seconds == 2 * H
    store.delete_range(T0 + 9.5 * H, T0 + 9.5 * H + 300)  # a gap over TOLERANCE
    got = fresh(store, TinyRules()).compute(start, end)
    assert got.longest.seconds == 2 * H - 1800 - 300  # 09:35-11:00
    assert got.as_dict() == fresh(store, TinyRules(), durable=False).compute(start, end
                                                                               ).as_dict()
    store.close()


def test_a_day_written_while_its_digest_is_computed_is_not_stored(tmp_path):
    store = Store(tmp_path / "tf.sqlite3", device="dev-a")
    d = int(T0 // 86400)
    key = digest_key("tiny-1")
    store.claim_day_digests(key, [d, d + 1])
    store.add_spans([Span(T0 + H, T0 + 2 * H, app="code", title="x - p")])  # day d changes
    assert store.fill_day_digests(key, {d: "stale", d + 1: "fine"}) == 1
    assert store.day_digests(key, [d, d + 1]) == {d + 1: "fine"}
    store.close()


def test_a_rules_change_uses_no_digest_of_the_old_rules(tmp_path):
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="dev-a")
    day(store, T0)
    start = datetime.fromtimestamp(T0, UTC)
    end = start + timedelta(days=1)
    before = fresh(store, TinyRules()).compute(start, end)
    after = fresh(store, ChatIsCoding()).compute(start, end)
    assert after.longest.seconds > before.longest.seconds
    assert after.as_dict() == fresh(store, ChatIsCoding(), durable=False).compute(
        start, end).as_dict()
    with sqlite3.connect(path) as conn:  # the old rules' rows are gone
        assert {k for (k,) in conn.execute("SELECT DISTINCT key FROM insight_day_digest")} == {
            digest_key("tiny-chat-codes")}
    store.close()


span_st = st.tuples(st.floats(0, 4 * 86400), st.sampled_from([1, 60, 400, 900, 5000, 90000]),
                    st.sampled_from(["code", "chat", "firefox", None]),
                    st.sampled_from(["window", "editor", "browser"]),
                    st.sampled_from([None, "youtube.com"]))
op_st = st.one_of(
    st.tuples(st.just("import"), st.lists(span_st, min_size=1, max_size=15)),
    st.tuples(st.just("edit"), st.integers(0, 10**6), st.floats(-3000, 3000),
              st.sampled_from(["code", "chat", "firefox"])),
    st.tuples(st.just("delete"), st.floats(0, 4 * 86400), st.sampled_from([60, 3000, 86400])),
    st.tuples(st.just("rules")),
)


def _span(a, n, app, src, site) -> Span:
    return Span(T0 + a, T0 + a + n, source=src, app=app, site=site,
                title="f - p" if app == "code" else None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(span_st, max_size=30), st.lists(op_st, min_size=1, max_size=6),
       st.floats(-86400, 2 * 86400), st.floats(0, 4 * 86400))
def test_stored_digests_equal_insights_from_scratch(raw, ops, at, length):
    """After random imports, edits, deletions and a rules change: insights from stored
    digests (a new cache each time, and one kept across the changes) equal those computed
    from scratch and the plain reference."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "tf.sqlite3", device="dev-a")
        try:
            store.add_spans([_span(*r) for r in raw])
            rules: TinyRules = TinyRules()
            kept = InsightsCache(Analytics(store, rules, UTC))
            s, e = T0 + at, T0 + at + length
            start, end = datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)
            fresh(store, rules).compute(start, end)  # digests stored
            for op in ops:
                if op[0] == "import":
                    store.add_spans([_span(*r) for r in op[1]])
                elif op[0] == "edit":
                    spans = store.spans(T0 - 86400, T0 + 6 * 86400)
                    if spans:
                        old = spans[op[1] % len(spans)]
                        store.upsert_spans([Span(old.start + op[2], old.end + op[2],
                                                 source=old.source, device=old.device,
                                                 uuid=old.uuid, app=op[3])], edited=True)
                elif op[0] == "delete":
                    store.delete_range(T0 + op[1], T0 + op[1] + op[2])
                else:
                    rules = ChatIsCoding()
                    kept = InsightsCache(Analytics(store, rules, UTC))
                an = Analytics(store, rules, UTC)
                stored = fresh(store, rules).compute(start, end).as_dict()
                assert stored == fresh(store, rules, durable=False).compute(start, end).as_dict()
                assert stored == fresh(store, rules).compute(start, end).as_dict()  # read back
                assert kept.compute(start, end).as_dict() == stored
                pieces = reference_pieces(an, s, e)
                runs = coding_stretches(pieces)
                count, tracked = switches(pieces)
                got_runs, got_count, got_tracked, got_breakers = combine(
                    fresh(store, rules).digests(s, e))
                assert got_runs == runs and got_count == count
                assert got_tracked == pytest.approx(tracked, abs=1e-6)
                assert got_breakers == reference_breakers(pieces, runs)
        finally:
            store.close()


def test_warm_stores_the_days_before_today(tmp_path):
    """What the engine's background pass does: the digests of the days before today are
    stored, today's is not (it changes all the time)."""
    from desktop.engine.digest_refresh import DAYS, warm

    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="dev-a")
    for k in range(3):
        day(store, T0 + k * 86400)
    today = int(T0 // 86400) + 2
    warm(fresh(store, TinyRules()), now=today * 86400 + 5 * H)
    kept = stored_days(path)
    assert len(kept) == DAYS and all(kept.values())
    assert max(kept) == today - 1 and today not in kept
    store.close()


def test_an_import_stores_the_digests_of_its_days(tf_home, tmp_path):
    """`timeforged import` ends by computing the digests of the days it brought."""
    import subprocess
    import sys
    import time

    from desktop.engine import paths
    from desktop.engine.io import export_file

    base = (time.time() // 86400 - 5) * 86400
    source = Store(tmp_path / "other.sqlite3", device="dev-b")
    day(source, base)
    export_file(source, tmp_path / "dump.json")
    source.close()
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "import",
                           str(tmp_path / "dump.json")], capture_output=True, text=True,
                          timeout=120, env={"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    kept = stored_days(paths.database_file(Path(tf_home)))
    assert kept.get(int(base // 86400)) is True
