"""Summaries by hour, weekday and day are summed in SQL per run of one UTC offset
(desktop.engine.store.time_sums): they must equal the plain per-quarter naming in any zone,
across DST changes and at odd offsets."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine.analytics import Analytics
from desktop.engine.span import Span
from desktop.engine.store import Store, time_sums
from tests.store_helpers import T0, TinyRules

DAY = 86400.0
ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Asia/Kathmandu",
         "Australia/Lord_Howe", "America/Santiago"]


def plain(an: Analytics, s: float, e: float, by: str) -> dict[str, float]:
    """Seconds per quarter from the rollups, each quarter named in Python."""
    acc: dict[str, float] = defaultdict(float)
    for q, secs in an.store.quarter_sums(s, e).items():
        acc[an._time_name(by, q)] += secs
    return {k: v for k, v in acc.items() if v > 0}


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(0, 400 * DAY), st.sampled_from([1.0, 600.0, 5000.0, DAY])),
                min_size=1, max_size=30),
       st.floats(-DAY, 380 * DAY), st.floats(0, 400 * DAY), st.sampled_from(ZONES))
def test_time_summaries_equal_the_per_quarter_naming(tmp_path_factory, raw, at, length, zone):
    store = Store(tmp_path_factory.mktemp("t") / "tf.sqlite3", device="d1")
    store.add_spans([Span(T0 - 200 * DAY + a, T0 - 200 * DAY + a + n, app="code")
                     for a, n in raw])
    tz = ZoneInfo(zone)
    an = Analytics(store, TinyRules(), tz)
    s = datetime.fromtimestamp(T0 - 200 * DAY + at, tz)
    e = datetime.fromtimestamp(T0 - 200 * DAY + at + length, tz)
    for by in ("hour", "weekday", "day"):
        got = {it.name: it.seconds for it in an.summary(s, e, by).items}
        want = plain(an, s.timestamp(), e.timestamp(), by)
        assert got.keys() == want.keys()
        for k in want:
            assert got[k] == pytest.approx(want[k], abs=1e-6)
    store.close()


@pytest.mark.parametrize("zone", ZONES)
def test_a_year_of_days_across_offset_changes(tmp_path, zone):
    store = Store(tmp_path / "tf.sqlite3", device="d1")
    store.add_spans([Span(T0 - d * DAY + 1800 * (d % 48), T0 - d * DAY + 1800 * (d % 48) + 5000,
                          app="code") for d in range(400)])
    tz = ZoneInfo(zone)
    an = Analytics(store, TinyRules(), tz)
    s, e = T0 - 401 * DAY + 0.5, T0 + DAY
    for by in ("hour", "weekday", "day"):
        got = {it.name: it.seconds for it in an.summary(datetime.fromtimestamp(s, tz),
                                                          datetime.fromtimestamp(e, tz), by).items}
        assert got == pytest.approx(plain(an, s, e, by), abs=1e-6)
    store.close()


def test_step_17_indexes_the_slots_of_a_v16_file(tmp_path):
    """A file of schema v16 gets the slot index, and summaries over years search it."""
    path = tmp_path / "v16.sqlite3"
    Store(path, device="d1").add_spans([Span(T0 - d * DAY, T0 - d * DAY + 5000, app="code")
                                        for d in range(60)])
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX rollup_total_slot")
    conn.execute("UPDATE meta SET value = '16' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    store = Store(path)
    tz = ZoneInfo("Europe/Berlin")
    an = Analytics(store, TinyRules(), tz)
    s, e = T0 - 61 * DAY, T0 + DAY
    got = {it.name: it.seconds for it in an.summary(datetime.fromtimestamp(s, tz),
                                                      datetime.fromtimestamp(e, tz), "hour").items}
    assert got == pytest.approx(plain(an, s, e, "hour"), abs=1e-6)
    conn = sqlite3.connect(path)
    plan = " ".join(str(r) for r in conn.execute(
        "EXPLAIN QUERY PLAN " + time_sums._BY_SLOT, {"k0": 0, "lo": 0, "hi": 10**6}))
    assert "rollup_total_slot" in plan
    store.close()
