"""ActivityWatch imports commute: an export split into files in any way (per bucket, per time
range, overlapping, duplicated) and imported in any order into a real SQLite store gives the
history of the whole export, and what imports replace reaches sync."""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.io import export_file, import_file
from desktop.engine.io.activitywatch import BROWSER_APPS
from desktop.engine.store import Store

DATA = Path(__file__).parent / "data"
ALL = (0.0, 1e12)
T0 = 1_700_000_000  # 2023-11-14, a quarter-hour boundary
PULSETIME = 5
FIREFOX = re.compile(f"^(?:{BROWSER_APPS['firefox']})$", re.IGNORECASE)


def totals(store: Store) -> dict[str, dict]:
    """Seconds by app (window spans), by site (browser spans), and all (overlap-resolved,
    from the rollups)."""
    spans = store.spans(*ALL)
    by_app: dict[str, float] = defaultdict(float)
    by_site: dict[str, float] = defaultdict(float)
    for s in spans:
        if s.source == "activitywatch:window":
            by_app[s.app] += s.duration
        else:
            by_site[s.site] += s.duration
    overall = sum(store.quarter_sums(*ALL).values())
    return {"app": dict(by_app), "site": dict(by_site), "all": round(overall, 6)}


def live(store: Store) -> list[tuple]:
    return sorted((s.uuid, s.start, s.end, s.device, s.app, s.site)
                  for s in store.spans(*ALL))


# -- the sample export, per bucket, in every order --------------------------------------------

def test_sample_buckets_in_every_order_equal_the_whole_export(tmp_path):
    whole = DATA / "activitywatch_export.json"
    buckets = json.loads(whole.read_text())["buckets"]
    files = []
    for name, bucket in buckets.items():
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(json.dumps({"buckets": {name: bucket}}))
    reference = Store(tmp_path / "whole.sqlite3", device="pc")
    import_file(whole, reference)
    expected, expected_spans = totals(reference), live(reference)
    assert expected["app"] == {"Code": 4202, "firefox": 2938, "Slack": 600, "kitty": 1860}
    for i, order in enumerate(itertools.permutations(files)):
        store = Store(tmp_path / f"{i}.sqlite3", device="pc")
        for path in order:
            import_file(path, store)
        assert (totals(store), live(store)) == (expected, expected_spans), order
        again = import_file(whole, store)  # nothing new: the same file twice adds nothing
        assert (again.added, again.retired) == (0, 0)
        store.close()
    reference.close()


def test_afk_arriving_later_retires_window_time_visibly_to_sync_only(tmp_path):
    whole = DATA / "activitywatch_export.json"
    buckets = json.loads(whole.read_text())["buckets"]
    window, afk = tmp_path / "window.json", tmp_path / "afk.json"
    for path, kind in ((window, "currentwindow"), (afk, "afkstatus")):
        path.write_text(json.dumps({"buckets": {
            k: v for k, v in buckets.items() if v["type"] == kind}}))
    store = Store(tmp_path / "tf.sqlite3", device="pc")
    first = import_file(window, store)
    assert (first.parsed, first.added, first.retired) == (9, 9, 0)
    assert sum(totals(store)["app"].values()) == 11460  # all window time: no AFK data yet
    before = {s.uuid: s for s in store.spans(*ALL)}
    second = import_file(afk, store)
    # firefox 10:00-10:30 on day 1 lies wholly in AFK time (its audible tab is not known yet)
    assert (second.parsed, second.added, second.retired) == (8, 0, 1)
    changed = {s.uuid: s for s, _ in store.changed_spans((0, None), "ana-laptop", 1000)}
    [gone] = [u for u, s in changed.items() if s.end == s.start]
    assert gone in before and changed[gone].start == before[gone].start  # same uuid, for sync
    assert gone not in {s.uuid for s in store.spans(*ALL)}
    out = tmp_path / "out.json"
    export_file(store, out)
    assert gone not in out.read_text()
    assert sum(totals(store)["app"].values()) == 9600 - 1200  # less the audible tab
    third = import_file(whole, store)  # the web bucket: the audible tab revives it
    assert (third.added, third.retired) == (3 + 1, 0)  # three browser spans, one revived
    assert gone in {s.uuid for s in store.spans(*ALL)}
    assert totals(store)["app"] == {"Code": 4202, "firefox": 2938, "Slack": 600, "kitty": 1860}
    store.close()


# -- property: random exports, random splits, random orders ----------------------------------

def _events(draw, kind: str, n: int) -> list[dict]:
    starts = draw(st.lists(st.integers(0, 900), min_size=n, max_size=n, unique=True))
    events = []
    for i, start in enumerate(starts):
        duration = draw(st.integers(0, 90))
        if kind == "currentwindow":
            data = {"app": draw(st.sampled_from(["firefox", "Code", "kitty"])), "title": "t"}
        elif kind == "afkstatus":
            data = {"status": draw(st.sampled_from(["afk", "not-afk", "not-afk"]))}
        else:
            data = {"url": draw(st.sampled_from(["https://a.org/", "https://b.net/x"])),
                    "title": "p", "audible": draw(st.booleans()), "incognito": False}
        events.append({"id": i + 1, "timestamp": _iso(T0 + start), "duration": duration,
                       "data": data})
    return events


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


@st.composite
def exports(draw) -> dict:
    """A whole export: window, AFK and web buckets on one or two hosts (some left out)."""
    buckets = {}
    hosts = draw(st.sampled_from([["ana"], ["ana", "bob"]]))
    for host in hosts:
        kinds = draw(st.sets(st.sampled_from(["currentwindow", "afkstatus", "web.tab.current"]),
                             min_size=1))
        for kind in sorted(kinds):
            name = {"currentwindow": f"aw-watcher-window_{host}",
                    "afkstatus": f"aw-watcher-afk_{host}",
                    "web.tab.current": f"aw-watcher-web-firefox_{host}"}[kind]
            # Older web watchers say "unknown": with one real host, it is that host.
            hostname = draw(st.sampled_from([host, "unknown"])) if (
                kind == "web.tab.current" and len(hosts) == 1) else host
            buckets[name] = {"id": name, "type": kind, "hostname": hostname,
                             "events": _events(draw, kind, draw(st.integers(0, 10)))}
    return {"buckets": buckets}


@st.composite
def splits(draw, export: dict) -> list[dict]:
    """The export cut into files: per bucket, per time range, or each event into one or more
    of a few files (overlapping; all but one may hold an earlier, shorter version of it);
    some files twice; in a random order."""
    how = draw(st.sampled_from(["bucket", "time", "overlap"]))
    names = list(export["buckets"])
    if how == "bucket":
        files = [{"buckets": {n: export["buckets"][n]}} for n in names]
    else:
        count = draw(st.integers(1, 4))
        cuts = sorted(draw(st.lists(st.integers(0, 1000), min_size=count - 1,
                                    max_size=count - 1)))
        files = [{"buckets": {n: {**b, "events": []} for n, b in export["buckets"].items()}}
                 for _ in range(count)]
        for name, bucket in export["buckets"].items():
            for ev in bucket["events"]:
                if how == "time":
                    offset = datetime.fromisoformat(ev["timestamp"]).timestamp() - T0
                    chosen = {sum(offset >= c for c in cuts)}
                else:
                    chosen = draw(st.sets(st.integers(0, count - 1), min_size=1))
                for i in sorted(chosen):
                    if i != min(chosen) and draw(st.booleans()):
                        # An export taken earlier: the event was shorter then.
                        ev = {**ev, "duration": draw(st.integers(0, ev["duration"]))}
                    files[i]["buckets"][name]["events"].append(ev)
        for f in files[1:]:  # a file may leave out buckets it has no events of
            if draw(st.booleans()):
                f["buckets"] = {n: b for n, b in f["buckets"].items() if b["events"]}
    files += draw(st.lists(st.sampled_from(files), max_size=2)) if files else []
    return draw(st.permutations(files))


def _flood(events: list[tuple[int, int, dict]]) -> list[tuple[int, int, dict]]:
    """Sorted; a gap of up to 5 s goes to the earlier event; an overlap cuts the earlier."""
    out: list[list] = []
    for start, end, data in sorted(events, key=lambda e: (e[0], e[1])):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][0], start)
        elif out and start - out[-1][1] <= PULSETIME:
            out[-1][1] = start
        out.append([start, end, data])
    return [(a, b, d) for a, b, d in out if b > a]


def reference(export: dict) -> dict[str, dict]:
    """ActivityWatch's canonical not-AFK query on the whole export, second by second: window
    time within not-AFK time (all of it on a host without AFK bucket) or within an audible
    tab of a focused browser; web time within the browser's window events and that time."""
    real = {b["hostname"] for b in export["buckets"].values()} - {"unknown"}
    hosts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for bucket in export["buckets"].values():
        host = bucket["hostname"]
        if host == "unknown" and len(real) == 1:
            host = next(iter(real))
        events = hosts[host][bucket["type"]]
        for ev in bucket["events"]:
            start = round(datetime.fromisoformat(ev["timestamp"]).timestamp())
            events.append((start, start + ev["duration"], ev["data"]))
    by_app: dict[str, float] = defaultdict(float)
    by_site: dict[str, float] = defaultdict(float)
    overall: set[int] = set()
    for kinds in hosts.values():
        window = _flood(kinds["currentwindow"])
        web = _flood(kinds["web.tab.current"])
        seconds = lambda events: {t for a, b, _ in events for t in range(a, b)}  # noqa: E731
        browser = seconds([e for e in window if FIREFOX.match(e[2]["app"])])
        if "afkstatus" in kinds:
            active = seconds([e for e in _flood(kinds["afkstatus"])
                              if e[2]["status"] == "not-afk"])
        else:
            active = seconds(window)
        active |= seconds([e for e in web if e[2].get("audible")]) & browser
        for a, b, data in window:
            counted = {t for t in range(a, b) if t in active}
            by_app[data["app"]] += len(counted)
            overall |= counted
        for a, b, data in web:
            site = urlsplit(data["url"]).hostname
            by_site[site] += sum(t in active and t in browser for t in range(a, b))
    return {"app": {k: v for k, v in by_app.items() if v},
            "site": {k: v for k, v in by_site.items() if v}, "all": len(overall)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_in_any_order_equals_the_whole_export(data):
    export = data.draw(exports())
    files = data.draw(splits(export))
    expected = reference(export)
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "whole.json"
        whole.write_text(json.dumps(export))
        one = Store(Path(tmp) / "whole.sqlite3", device="pc")
        import_file(whole, one)
        assert totals(one) == expected
        stores = []
        for n, order in enumerate([files, files[::-1]]):
            store = Store(Path(tmp) / f"{n}.sqlite3", device="pc")
            for i, content in enumerate(order):
                path = Path(tmp) / f"{n}-{i}.json"
                path.write_text(json.dumps(content))
                import_file(path, store)
            assert totals(store) == expected, (order, expected)
            stores.append(store)
        assert live(stores[0]) == live(stores[1]) == live(one)
        for store in (one, *stores):
            store.close()


def test_reference_on_the_sample():
    """The reference gives the hand-computed totals of the sample (see test_io)."""
    export = json.loads((DATA / "activitywatch_export.json").read_text())
    export["buckets"] = {n: b for n, b in export["buckets"].items()
                         if b["type"] in ("currentwindow", "afkstatus", "web.tab.current")}
    assert reference(export) == {
        "app": {"Code": 4202, "firefox": 2938, "Slack": 600, "kitty": 1860},
        "site": {"docs.python.org": 598, "www.youtube.com": 1200, "github.com": 1140},
        "all": 9600}
