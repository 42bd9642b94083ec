"""Summaries over long ranges come from named rollups per block of days (32 and 512 days,
desktop.engine.store.named_blocks): they must equal a plain reference computed from the raw
spans, for every dimension, after writes into summed blocks and after a change of the rules."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.analytics import PRODUCTIVITY_NAMES, Analytics
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store, named_blocks
from desktop.engine.timeline import resolve
from tests.store_helpers import T0, TinyRules

DAY = 86400.0
NAMED = ("project", "language", "app", "site", "category", "productivity", "editor",
         "branch", "file", "device", "source")


class ChatIsCoding(TinyRules):
    """Other rules: chat counts as coding too (a rules change that moves time)."""

    def __init__(self) -> None:
        super().__init__("chat-is-coding")

    def classify(self, span: Span) -> Classification:
        if span.app == "chat":
            return Classification(None, "coding", 1)
        return super().classify(span)


def reference(spans: list[Span], rules, dim: str, start: float, end: float
              ) -> dict[str, float]:
    """Seconds by name of `dim` in [start, end), resolved and named piece by piece."""
    acc: dict[str, float] = defaultdict(float)
    for p in resolve(spans, start, end):
        s, c = p.span, rules.classify(p.span)
        if dim == "project":
            name = c.project or s.project
        elif dim == "category":
            name = c.category or "uncategorized"
        elif dim == "productivity":
            name = PRODUCTIVITY_NAMES.get(c.productivity)
        else:
            name = getattr(s, dim)
        acc[name or "unknown"] += p.duration
    return {k: v for k, v in acc.items() if v > 1e-9}


span_strategy = st.builds(
    lambda day, at, length, src, dev, app, lang: Span(
        T0 - 1100 * DAY + day * DAY + at, T0 - 1100 * DAY + day * DAY + at + length,
        source=src, device=dev, app=app, language=lang,
        title=None if app is None else f"t - {app}", editor="vim" if src == "editor" else None),
    st.integers(0, 1200), st.floats(0, DAY), st.sampled_from([1.0, 60.0, 900.0, 5000.0, DAY]),
    st.sampled_from(["window", "editor", "browser"]), st.sampled_from(["d1", "d2"]),
    st.sampled_from(["code", "chat", "firefox", "", None]),
    st.sampled_from(["Python", "Rust", "", None]))


def assert_same(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-6)


def summary(an: Analytics, dim: str, a: float, b: float) -> dict[str, float]:
    found = an.summary(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC), dim)
    return {it.name: it.seconds for it in found.items}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(span_strategy, min_size=1, max_size=40), st.lists(span_strategy, max_size=8),
       st.tuples(st.integers(0, 700), st.integers(0, 1300), st.floats(0, DAY)),
       st.sampled_from(NAMED))
def test_block_summaries_equal_the_reference(tmp_path_factory, first, later, bounds, dim):
    store = Store(tmp_path_factory.mktemp("b") / "tf.sqlite3", device="d1")
    store.add_spans(first)
    lo = T0 - 1100 * DAY + bounds[0] * DAY + bounds[2]
    # as the reports get them: through datetimes (microseconds)
    lo, hi = (datetime.fromtimestamp(t, UTC).timestamp() for t in (lo, lo + bounds[1] * DAY))
    an = Analytics(store, TinyRules(), UTC)
    assert_same(summary(an, dim, lo, hi), reference(first, TinyRules(), dim, lo, hi))
    store.add_spans(later)  # into blocks already summed: they are summed again
    spans = first + later
    assert_same(summary(an, dim, lo, hi), reference(spans, TinyRules(), dim, lo, hi))
    other = Analytics(store, ChatIsCoding(), UTC)  # the rules changed: only the activities
    for rules, now in ((ChatIsCoding(), other), (TinyRules(), an)):  # classified otherwise
        assert_same(summary(now, dim, lo, hi), reference(spans, rules, dim, lo, hi))  # count
        found = now.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC),
                           "day", {"category": "coding"})
        want: dict[str, float] = defaultdict(float)
        for p in resolve(spans, lo, hi):
            if rules.classify(p.span).category == "coding":
                day = datetime.fromtimestamp(p.start, UTC).date()
                cut = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + DAY
                for a, b in ((p.start, min(p.end, cut)), (cut, p.end)):  # pieces < a day
                    if b > a:
                        want[datetime.fromtimestamp(a, UTC).date().isoformat()] += b - a
        assert_same({it.name: it.seconds for it in found.items},
                    {k: v for k, v in want.items() if v > 1e-9})
    store.close()


def test_new_activities_in_many_summed_blocks_are_classified_at_once(tmp_path):
    """New activities written into more summed blocks than a report retries (each block with
    an activity never classified) are all classified in one pass; the report then answers
    (it gave up with "the history kept changing" when a pass classified one block's)."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    first = [Span(T0 - 1100 * DAY, T0 - 1100 * DAY + 1, app="code", language="Python",
                  title="t - code")]
    store.add_spans(first)
    an = Analytics(store, TinyRules(), UTC)
    lo, hi = T0 - 1100 * DAY + 1, T0 - 546 * DAY + 1
    assert summary(an, "project", lo, hi) == {}
    later = [Span(T0 - 1100 * DAY + d * DAY, T0 - 1100 * DAY + d * DAY + 1, app=app,
                  language=lang, title=f"t - {app}")
             for d, app, lang in ((10, "chat", "Python"), (42, "code", "Rust"),
                                  (106, "code", None), (170, "code", ""),
                                  (234, "code", "Python"), (298, "code", "Go"),
                                  (362, "code", "C"))]
    store.add_spans(later)
    spans = first + later
    assert_same(summary(an, "project", lo, hi),
                reference(spans, TinyRules(), "project", lo, hi))
    store.close()


def test_long_ranges_use_both_block_sizes(tmp_path):
    """Three years: the whole 512-day blocks and the 32-day ones beside them are built and
    listed as current; a write unlists only the blocks holding its days."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = [Span(T0 - d * DAY + 3600, T0 - d * DAY + 7200, app="code", title="x - alpha")
             for d in range(0, 1100, 3)]
    store.add_spans(spans)
    an = Analytics(store, TinyRules(), UTC)
    lo, hi = T0 - 1100 * DAY, T0 + DAY
    assert_same(summary(an, "project", lo, hi), reference(spans, TinyRules(), "project", lo, hi))
    parts, _ = named_blocks.split(int(lo // DAY), int(hi // DAY))
    assert {size for size, _, _ in parts} == set(named_blocks.SIZES)
    conn = store._conn
    done = set(conn.execute("SELECT size, block FROM named_block_done WHERE dim = 'project'"))
    assert all((size, b) in done for size, b0, b1 in parts for b in range(b0, b1))
    day = int(T0 // DAY) - 600
    store.add_spans([Span(day * DAY + 100, day * DAY + 200, app="code", title="y - beta")])
    store.refresh_rollups()
    left = set(conn.execute("SELECT size, block FROM named_block_done WHERE dim = 'project'"))
    assert done - left == {(size, day // size) for size in named_blocks.SIZES}
    store.close()


def activity_block_sums(store: Store) -> dict[tuple[int, int], float]:
    """Seconds per (block, activity) of the current activity blocks."""
    return {(b, a): s for b, a, s in store._conn.execute(
        "SELECT r.block, r.activity, r.seconds FROM rollup_activity_block r "
        "JOIN activity_block_done d ON d.block = r.block")}


def day_sums(store: Store, blocks: set[int]) -> dict[tuple[int, int], float]:
    size = named_blocks.ACTIVITY_BLOCK
    acc: dict[tuple[int, int], float] = defaultdict(float)
    for day, act, secs in store._conn.execute("SELECT day, activity, seconds FROM rollup_day"):
        if day // size in blocks:
            acc[day // size, act] += secs
    return acc


def test_activity_blocks_follow_writes(tmp_path):
    """Blocks of past days are summed as soon as written, the others when first read, and
    a write into a summed block sums it again: always the day rollups' sums."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    today = int(named_blocks.time.time() // DAY)
    days = [today - 400, today - 200, today - 3, today]
    store.add_spans([Span(d * DAY + 600, d * DAY + 4200, app="code", title=f"x - p{d % 3}")
                     for d in days])
    store.refresh_rollups()
    past = named_blocks.past_blocks(days)
    current = today // named_blocks.ACTIVITY_BLOCK
    assert current not in past and (today - 400) // named_blocks.ACTIVITY_BLOCK in past
    got = activity_block_sums(store)
    assert {b for b, _ in got} == past and got == pytest.approx(day_sums(store, past))
    an = Analytics(store, TinyRules(), UTC)
    lo, hi = (today - 500) * DAY, (current + 1) * named_blocks.ACTIVITY_BLOCK * DAY
    summary(an, "app", lo, hi)  # reads every block of the range: those not summed are now
    assert current in {b for b, _ in activity_block_sums(store)}
    store.add_spans([Span((today - 200) * DAY + 5000, (today - 200) * DAY + 9000, app="chat")])
    store.refresh_rollups()
    got = activity_block_sums(store)
    assert got == pytest.approx(day_sums(store, {b for b, _ in got}))
    assert (today - 200) // named_blocks.ACTIVITY_BLOCK in {b for b, _ in got}  # at once
    store.close()


past_span = st.builds(
    lambda day, at, d, app, source: Span(day * DAY + at, day * DAY + at + d, source,
                                         app=app, title=f"{app} - t"),
    st.integers(0, 70), st.integers(0, 86_000), st.sampled_from([30, 900, 5000, 90_000]),
    st.sampled_from(["a", "b", "c"]), st.sampled_from(["window", "editor"]))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(past_span, min_size=1, max_size=10), st.booleans()),
                min_size=1, max_size=4))
def test_past_blocks_written_a_few_days_at_a_time_sum_all_their_days(tmp_path_factory,
                                                                      batches):
    """Batches into past blocks (by the writer's path or the deferred one), each touching a
    few days of blocks whose other days hold time already: every current block is its
    days' sums (the days just written from memory, the others read)."""
    store = Store(tmp_path_factory.mktemp("b") / "tf.sqlite3", device="d1")
    first = (int(T0 // DAY) - 400) // named_blocks.ACTIVITY_BLOCK * named_blocks.ACTIVITY_BLOCK
    for batch, live in batches:
        batch = [Span(s.start + first * DAY, s.end + first * DAY, s.source, app=s.app,
                      title=s.title) for s in batch]
        if live:
            store.upsert_spans(batch, refresh=True)
        else:
            store.add_spans(batch)
            store.refresh_rollups()
        got = activity_block_sums(store)
        blocks = {b for b, _ in got}
        assert blocks >= named_blocks.past_blocks(d for (d,) in store._conn.execute(
            "SELECT day FROM active_day"))
        assert got == pytest.approx(day_sums(store, blocks), rel=1e-12)
    store.close()


def test_project_of_the_activity_when_the_rules_set_none(tmp_path):
    """The rules set no project for mail: it is the activity's own, stored with the
    classification, in block summaries as in the plain path, after new spans and after a
    change of the rules (which sets one for some)."""

    class ChatIsAlpha(TinyRules):
        def __init__(self) -> None:
            super().__init__("chat-is-alpha")

        def classify(self, span: Span) -> Classification:
            if span.app == "mail" and span.project == "talks":
                return Classification("alpha", "coding", 1)
            return super().classify(span)

    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = [Span(T0 - d * DAY + 3600, T0 - d * DAY + 7200 + d, app=app, project=proj,
                  title="x - beta" if app == "code" else None)
             for d in range(0, 700, 5)
             for app, proj in (("code", None), ("mail", "talks"), ("mail", None), ("web", ""))]
    store.add_spans(spans)
    lo, hi = T0 - 700 * DAY + 1234.5, T0 + DAY
    for rules in (TinyRules(), ChatIsAlpha(), TinyRules()):
        an = Analytics(store, rules, UTC)
        want = reference(spans, rules, "project", lo, hi)
        assert_same(summary(an, "project", lo, hi), want)
        plain = an.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC),
                           "project", {"source": "window"})  # no named rollups on this path
        assert_same({it.name: it.seconds for it in plain.items}, want)
        late = Span(T0 - 300 * DAY + 100, T0 - 300 * DAY + 900, app="mail", project="talks")
        store.add_spans([late])  # into a block summed already
        spans.append(late)
        assert_same(summary(an, "project", lo, hi),
                    reference(spans, rules, "project", lo, hi))
    base = store._conn.execute("SELECT id FROM classifier WHERE fingerprint = 'tiny-1'"
                               ).fetchone()[0] << 32
    stored = dict(store._conn.execute(
        "SELECT a.app || '/' || COALESCE(a.project, '-'), c.project FROM activity a "
        "JOIN classified c ON c.id = ? + a.id", (base,)))
    assert stored == {"code/-": "beta", "mail/talks": "talks", "mail/-": None, "web/": None}
    store.close()


def test_step_20_sums_past_blocks_and_fills_projects(tmp_path):
    """A file of schema 19: its classifications without a project get the activity's own,
    its past blocks are summed per activity, and summaries equal the reference."""
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="d1")
    spans = [Span(T0 - d * DAY + 60, T0 - d * DAY + 3000, app=app, project=proj)
             for d in range(3, 300, 7) for app, proj in (("mail", "talks"), ("web", None))]
    store.add_spans(spans)
    store.refresh_rollups()
    store.close()
    with sqlite3.connect(path) as conn:  # as version 19 left it (no activity's project)
        conn.execute("DROP TABLE rollup_activity_block")
        conn.execute("DROP TABLE activity_block_done")
        conn.execute("INSERT INTO classifier (fingerprint) VALUES ('tiny-1')")
        conn.execute("INSERT INTO classified (id, project, category, productivity) "
                     "SELECT (1 << 32) + id, NULL, 'uncategorized', 0 FROM activity")
        conn.execute("UPDATE meta SET value = '19' WHERE key = 'schema_version'")
    store = Store(path, device="d1")
    projects = dict(store._conn.execute("SELECT a.app, c.project FROM classified c "
                                        "JOIN activity a ON a.id = c.id - (1 << 32)"))
    assert projects == {"mail": "talks", "web": None}
    past = named_blocks.past_blocks({int(s.start // DAY) for s in spans})
    got = activity_block_sums(store)
    assert {b for b, _ in got} == past and got == pytest.approx(day_sums(store, past))
    lo, hi = T0 - 400 * DAY, T0
    an = Analytics(store, TinyRules(), UTC)
    assert_same(summary(an, "project", lo, hi), reference(spans, TinyRules(), "project", lo, hi))
    store.close()


def test_real_rules_name_projects_as_the_plain_path(tmp_path):
    """With Rules (which classify a column at a time): a rule's project, an alias of the
    activity's own, the activity's own, none; block summaries equal the plain path and the
    reference, after new spans and after an edit of the rules."""
    from desktop.engine.rules import Rules

    path = tmp_path / "rules.toml"
    texts = ("[aliases]\nold = 'renamed'\n[[rules]]\nmatch.app = 'exact:term'\n"
             "project = 'shell'\n",
             "[[rules]]\nmatch.app = 'exact:mail'\nproject = 'inbox'\n")
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = [Span(T0 - d * DAY + 3600, T0 - d * DAY + 7000 + d, app=app, project=proj)
             for d in range(0, 500, 4)
             for app, proj in (("term", None), ("mail", "old"), ("mail", "own"), ("web", None))]
    store.add_spans(spans)
    lo, hi = T0 - 500 * DAY + 777.0, T0 + DAY
    for text in (*texts, texts[0]):
        path.write_text(text)
        rules = Rules.load(path)
        an = Analytics(store, rules, UTC)
        want = reference(spans, rules, "project", lo, hi)
        assert want.keys() >= ({"shell", "renamed", "own", "unknown"} if text == texts[0]
                               else {"inbox", "unknown"})
        assert_same(summary(an, "project", lo, hi), want)
        plain = an.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC),
                           "project", {"source": "window"})
        assert_same({it.name: it.seconds for it in plain.items}, want)
        late = Span(T0 - 99 * DAY, T0 - 99 * DAY + 500, app="mail", project="late")
        store.add_spans([late])
        spans.append(late)
        assert_same(summary(an, "project", lo, hi), reference(spans, rules, "project", lo, hi))
    store.close()


def across_blocks(store: Store) -> list[Span]:
    """Spans in past blocks (summed), one past block left not summed, across a block
    boundary, in the current block (summed when first read)."""
    size = named_blocks.ACTIVITY_BLOCK
    boundary = (int(T0 // DAY) // size) * size * DAY  # where T0's block starts
    current = (int(named_blocks.time.time() // DAY) // size) * size * DAY
    spans = [Span(at + 3600 * i, at + 3600 * i + 2000 + 900 * i, app=app, title=f"t - {app}",
                  device=dev)
             for at in (T0 - 300 * DAY, T0 - 200 * DAY, boundary - 7000, current)
             for i, (app, dev) in enumerate((("code", "d1"), ("chat", "d1"), ("code", "d2"),
                                             ("web", "d1")))]
    lone = int(T0 // DAY) - 130  # chat alone that day, code alone another day of its block
    other = lone + 1 if (lone + 1) % size else lone - 1
    spans += [Span(lone * DAY, lone * DAY + 50, app="chat", title="t - chat 2"),
              Span(other * DAY + 600, other * DAY + 1200, app="code", title="t - code")]
    store.add_spans(spans)
    store.refresh_rollups()
    block = int((T0 - 200 * DAY) // DAY) // size  # as a write unlists it (or step 20 left it)
    store._conn.execute("DELETE FROM rollup_activity_block WHERE block = ?", (block,))
    store._conn.execute("DELETE FROM activity_block_done WHERE block = ?", (block,))
    return spans


@pytest.fixture(params=[(), ("_DAY_SEEKS", "_EXACT_SEEKS"), ("_SEEKS",)],
                ids=["searched", "days-scanned", "all-scanned"])
def searches(request, monkeypatch):
    """named_blocks.activity_days as it is, with a block's days taken whole or scanned
    rather than searched, or with no search at all."""
    for limit in request.param:
        monkeypatch.setattr(named_blocks, limit, 0)
    return request.param


def test_quarters_of_some_activities_equal_those_filtered(tmp_path, searches):
    """Without an index by activity (schema step 23), the quarters of some activities are
    read from the days that may hold them: the same as every quarter's, filtered."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = across_blocks(store)
    ids = sorted(store.activity_ids())
    lo, hi = T0 - 400 * DAY + 333.0, named_blocks.time.time() + DAY
    ranges = ((lo, hi), (T0 - 300 * DAY + 3700, T0 - 130 * DAY + 20), (T0 - 5 * DAY, hi),
              (T0 - 400 * DAY, T0 - 399 * DAY))
    chosen = [[], [ids[0]], ids[1:3], ids, [*ids[::2], *range(10**6, 10**6 + 5000)]]
    for a, b in ranges:  # (the last: more ids than searched for, blocks scanned)
        every = store.seconds_by_quarter(a, b)
        for some in chosen:
            want = {k: v for k, v in every.items() if k[1][0] in some}
            assert store.seconds_by_quarter(a, b, activities=set(some)) == pytest.approx(want)
    assert sum(store.seconds_by_quarter(lo, hi, activities=set(ids)).values()) == \
        pytest.approx(sum(p.duration for p in resolve(spans, lo, hi)))
    store.close()


def test_a_rules_change_names_again_the_days_of_the_activities_changed(tmp_path, searches):
    """After a rules change that classifies chat otherwise, the days (and blocks) of chat
    are named again, in every kind of block: summaries equal the reference, by category
    over the whole range and by day, and the days unlisted are those of chat."""
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    spans = across_blocks(store)
    lo, hi = T0 - 400 * DAY + 333.0, named_blocks.time.time() + DAY
    an = Analytics(store, TinyRules(), UTC)
    for dim in ("category", "project"):
        assert_same(summary(an, dim, lo, hi), reference(spans, TinyRules(), dim, lo, hi))
    an.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC), "day",
               {"category": "coding"})
    named = {d for (d,) in store._conn.execute(
        "SELECT day FROM named_done WHERE fingerprint = ?", (named_blocks.RULES,))}
    chat = {int(s.start // DAY) for s in spans if s.app == "chat"}
    assert chat <= named
    other = Analytics(store, ChatIsCoding(), UTC)
    for dim in ("category", "project"):
        assert_same(summary(other, dim, lo, hi), reference(spans, ChatIsCoding(), dim, lo, hi))
    assert named - {d for (d,) in store._conn.execute(
        "SELECT day FROM named_done WHERE fingerprint = ?", (named_blocks.RULES,))} == chat
    found = other.summary(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC),
                          "day", {"category": "coding"})
    want: dict[str, float] = defaultdict(float)
    for p in resolve(spans, lo, hi):
        if ChatIsCoding().classify(p.span).category == "coding":
            want[datetime.fromtimestamp(p.start, UTC).date().isoformat()] += p.duration
    assert_same({it.name: it.seconds for it in found.items}, want)
    store.close()
