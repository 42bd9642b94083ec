"""WakaTime data dumps that overlap, or split one history, give the same spans in any order,
with restarts between imports, equal to a plain reference of WakaTime's rule (per machine and
per kind: editor or browser)."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.io import import_file, read_spans
from desktop.engine.store import Store
from desktop.engine.timeline import resolve

T0 = 1_704_067_200.0  # 2024-01-01 00:00 UTC
TIMEOUT_MINUTES = 5.0
ENTITIES = [("file", "/p/a.py", "p", "Python"), ("file", "/p/b.py", "p", "Python"),
            ("file", "/q/c.rs", "q", "Rust"), ("domain", "github.com", None, None),
            ("domain", "docs.rs", None, None)]
MACHINES = ["m-laptop", "m-desk"]


def raw_beat(time: float, entity: int, machine: int, added: int) -> dict:
    kind, name, project, language = ENTITIES[entity]
    return {"time": time, "entity": name, "type": kind, "project": project,
            "language": language, "machine_name_id": MACHINES[machine],
            "user_agent_id": "ua-chrome" if kind == "domain" else "ua-vim",
            "line_additions": added}


def write_dump(path: Path, beats: list[dict]) -> Path:
    days: dict[str, list[dict]] = defaultdict(list)
    for b in beats:
        days[f"2024-01-{1 + int((b['time'] - T0) // 86400):02d}"].append(b)
    path.write_text(json.dumps({
        "user": {"username": "ana"}, "days": [{"date": d, "heartbeats": hs}
                                              for d, hs in sorted(days.items())],
        "user_agents": [{"id": "ua-vim", "value": "wakatime/v1.90 (linux) go1.21 vim/9.0 "
                                                   "vim-wakatime/11.0"},
                        {"id": "ua-chrome", "value": "chrome/120 chrome-wakatime/4.0"}],
        "machines": [{"id": m, "name": m} for m in MACHINES]}))
    return path


def reference(beats: list[dict]) -> dict[tuple[str, str], float]:
    """WakaTime's rule, plainly, per (machine, editor or browser): distinct heartbeats sorted
    by time; the gap to the next one counts for the earlier when below the timeout."""
    timelines: dict[tuple[str, bool], dict[float, dict]] = defaultdict(dict)
    for b in beats:
        timelines[b["machine_name_id"], b["type"] == "domain"][b["time"]] = b
    out: dict[tuple[str, str], float] = defaultdict(float)
    for line in timelines.values():
        for (t, b), (u, _) in pairwise(sorted(line.items())):
            if u - t < TIMEOUT_MINUTES * 60:
                for dim, value in (("entity", b["entity"]), ("project", b["project"]),
                                   ("machine", b["machine_name_id"])):
                    out[dim, value or ""] += u - t
    return {k: v for k, v in out.items() if v > 1e-9}


def totals(store: Store) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for s in store.spans(0, 4e9):
        for dim, value in (("entity", s.file or s.site), ("project", s.project),
                           ("machine", s.device)):
            out[dim, value or ""] += s.end - s.start
    return {k: v for k, v in out.items() if v > 1e-9}


def rows(store: Store) -> list[tuple]:
    return sorted((s.uuid, s.start, s.end, s.device, s.source, s.file, s.site, s.editor,
                   s.browser, s.lines_added) for s in store.spans(0, 4e9))


@st.composite
def histories(draw) -> tuple[list[dict], list[list[dict]]]:
    """Heartbeats on two machines over three days, and dumps holding each of them at least
    once (overlapping, or each a stretch of the history)."""
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.sampled_from([1, 30, 100, 299, 300, 301, 900]) |
                         st.floats(0.5, 4000), min_size=n, max_size=n))
    beats, t = [], T0 + draw(st.floats(0, 3600))
    for gap in gaps:
        t += gap
        beats.append(raw_beat(t, draw(st.sampled_from([0, 0, 1, 2, 3, 4])),
                              draw(st.sampled_from([0, 0, 1])), draw(st.integers(0, 3))))
    k = draw(st.integers(1, 4))
    if draw(st.booleans()):  # stretches: a dump per period, borders anywhere
        cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))
        bounds = [0, *cuts, n]
        dumps = [beats[a:b] for a, b in pairwise(bounds)]
    else:  # overlapping: every heartbeat in one dump or more
        dumps = [[] for _ in range(k)]
        for b in beats:
            for i in draw(st.sets(st.integers(0, k - 1), min_size=1)):
                dumps[i].append(b)
    return beats, [d for d in dumps if d] or [beats]


@settings(max_examples=80, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_dumps_commute_and_follow_wakatimes_rule(tmp_path_factory, data):
    beats, dumps = data.draw(histories())
    where = tmp_path_factory.mktemp("dumps")
    files = [write_dump(where / f"dump{i}.json", d) for i, d in enumerate(dumps)]
    whole = write_dump(where / "whole.json", beats)

    one = Store(where / "one.sqlite3", device="here")
    result = import_file(whole, one, wakatime_timeout_minutes=TIMEOUT_MINUTES)
    expected = rows(one)
    assert result.added == result.parsed == len(beats)
    # the time reports count: overlaps (two machines, editor and browser) once
    assert abs(result.seconds - sum(p.duration for p in resolve(one.spans(0, 4e9)))) < 1e-6
    # The spans an import makes are those the file alone makes (read_spans, nothing stored).
    alone = read_spans(whole, wakatime_timeout_minutes=TIMEOUT_MINUTES)[1]
    assert sorted((s.uuid, s.start, s.end, s.device, s.source, s.file, s.site, s.editor,
                   s.browser, s.lines_added) for s in alone) == expected
    one.close()

    path = where / "parts.sqlite3"
    store = Store(path, device="here")
    try:
        for f in data.draw(st.permutations(files)):
            if data.draw(st.booleans()):
                store.close()
                store = Store(path, device="here")
            import_file(f, store, wakatime_timeout_minutes=TIMEOUT_MINUTES)
        assert rows(store) == expected
        got, want = totals(store), reference(beats)
        assert got.keys() == want.keys() and all(abs(got[k] - want[k]) < 1e-6 for k in got)
        again = import_file(files[0], store, wakatime_timeout_minutes=TIMEOUT_MINUTES)
        assert again.added == 0 and rows(store) == expected
    finally:
        store.close()


def test_imported_heartbeats_outlive_the_pruning_of_live_ones(tmp_path):
    """A dump of last year's work overlapping one imported earlier still joins with it after
    the daily pruning: imported heartbeats are never forgotten."""
    first = [raw_beat(T0 + i * 60, 0, 0, 0) for i in range(10)]
    second = [raw_beat(T0 + 540 + i * 60, 0, 0, 0) for i in range(10)]  # from the 10th on
    store = Store(tmp_path / "tf.sqlite3", device="here")
    try:
        import_file(write_dump(tmp_path / "a.json", first), store)
        assert store.prune_heartbeats(T0 + 10 * 365 * 86400) == 0
        import_file(write_dump(tmp_path / "b.json", second), store)
        assert [(s.start, s.end) for s in store.spans(0, 4e9)] == [(T0, T0 + 18 * 60)]
    finally:
        store.close()
