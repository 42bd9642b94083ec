"""The named ranges and their steps, and that they are the CLI's ranges."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.cli.timerange import PERIODS, period_range
from desktop.engine import periods
from desktop.engine.periods import RANGES, Period

TZ = ZoneInfo("Europe/Paris")
WED = date(2026, 11, 18)


def days(period: Period) -> tuple[date, date]:
    return period.start, period.last


def test_each_range_as_of_a_day():
    assert days(Period.of("today", WED)) == (WED, WED)
    assert days(Period.of("yesterday", WED)) == (date(2026, 11, 17),) * 2
    assert days(Period.of("week", WED)) == (date(2026, 11, 16), WED)
    assert days(Period.of("last7", WED)) == (date(2026, 11, 12), WED)
    assert days(Period.of("month", WED)) == (date(2026, 11, 1), WED)
    assert days(Period.of("last30", WED)) == (date(2026, 10, 20), WED)
    assert days(Period.of("year", WED)) == (date(2026, 1, 1), WED)
    assert len(Period.of("last30", WED).days()) == 30
    with pytest.raises(ValueError, match="unknown range 'fortnight'"):
        Period.of("fortnight", WED)
    assert set(RANGES) - {"custom"} == {"today", "yesterday", "week", "last7", "month",
                                        "last30", "year"}


@pytest.mark.parametrize("name", PERIODS)
def test_the_cli_periods_are_the_same_ranges(name):
    for now in (datetime(2026, 11, 18, 15, 30, tzinfo=TZ), datetime(2026, 3, 29, 2, 30,
                                                                     tzinfo=TZ),
                datetime(2027, 1, 1, 0, 0, tzinfo=TZ)):
        assert periods.period_range(name, TZ, now) == period_range(name, TZ, now)


def test_steps():
    week = Period.of("week", WED)
    back = week.shifted(-1, WED)
    assert days(back) == (date(2026, 11, 9), date(2026, 11, 15))  # a past week is whole
    assert back.shifted(1, WED) == week  # and the one holding today ends with it again
    month = Period.of("month", WED)
    assert days(month.shifted(-1, WED)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert days(month.shifted(-9, WED)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert days(Period.of("year", WED).shifted(-1, WED)) == (date(2025, 1, 1),
                                                             date(2025, 12, 31))
    assert days(Period.of("last7", WED).shifted(-1)) == (date(2026, 11, 5), date(2026, 11, 11))
    assert days(Period.of("last30", WED).shifted(1)) == (date(2026, 11, 19), date(2026, 12, 18))
    assert days(Period.of("today", WED).shifted(-2)) == (date(2026, 11, 16),) * 2
    custom = Period.custom(date(2026, 11, 2), date(2026, 11, 4))
    assert days(custom.shifted(1)) == (date(2026, 11, 5), date(2026, 11, 7))
    with pytest.raises(ValueError, match="empty"):
        Period.custom(WED, WED - timedelta(days=1))


def test_labels():
    assert Period.of("today", WED).label(WED) == "Today, Wednesday 18 November 2026"
    assert Period.of("yesterday", WED).label(WED).startswith("Yesterday, Tuesday")
    assert Period.of("week", WED).label(WED) == "Week 47: 16 Nov – 18 Nov 2026"
    assert Period.of("month", WED).label(WED) == "November 2026"
    assert Period.of("last7", WED).label(WED) == "12 Nov – 18 Nov 2026 (7 days)"
    assert Period.of("year", WED).label(WED) == "2026"


def test_bounds_are_local_midnights_across_a_dst_change():
    start, end = Period.custom(date(2026, 10, 25), date(2026, 10, 25)).bounds(TZ)
    assert end.timestamp() - start.timestamp() == 25 * 3600  # the day clocks go back
