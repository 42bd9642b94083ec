from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.cli.timerange import RangeError, parse_moment, period_range, resolve_range
from desktop.engine.formatting import format_duration

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 29, 15, 30, tzinfo=BERLIN)  # a Sunday, the day clocks go forward


def test_today_on_a_dst_day_is_23_hours():
    start, end = period_range("today", BERLIN, NOW)
    assert start == datetime(2026, 3, 29, tzinfo=BERLIN)
    assert (end.timestamp() - start.timestamp()) == 23 * 3600


def test_week_starts_on_monday_and_year_on_january_first():
    assert period_range("week", BERLIN, NOW)[0] == datetime(2026, 3, 23, tzinfo=BERLIN)
    assert period_range("month", BERLIN, NOW)[0] == datetime(2026, 3, 1, tzinfo=BERLIN)
    assert period_range("year", BERLIN, NOW)[0] == datetime(2026, 1, 1, tzinfo=BERLIN)
    assert period_range("yesterday", BERLIN, NOW) == (
        datetime(2026, 3, 28, tzinfo=BERLIN), datetime(2026, 3, 29, tzinfo=BERLIN))


def test_the_last_7_and_30_days_end_with_today():
    end = datetime(2026, 3, 30, tzinfo=BERLIN)
    assert period_range("last7", BERLIN, NOW) == (datetime(2026, 3, 23, tzinfo=BERLIN), end)
    assert period_range("last30", BERLIN, NOW) == (datetime(2026, 2, 28, tzinfo=BERLIN), end)
    with pytest.raises(RangeError, match="last7"):
        period_range("fortnight", BERLIN, NOW)


def test_explicit_dates_include_the_last_day():
    start, end = resolve_range(None, "2026-11-01", "2026-11-07", BERLIN, NOW)
    assert start == datetime(2026, 11, 1, tzinfo=BERLIN)
    assert end == datetime(2026, 11, 8, tzinfo=BERLIN)


def test_datetimes_with_and_without_offsets():
    assert parse_moment("2026-11-01T09:30", BERLIN) == datetime(2026, 11, 1, 9, 30, tzinfo=BERLIN)
    utc = parse_moment("2026-11-01T09:30+00:00", BERLIN)
    assert utc.timestamp() == datetime(2026, 11, 1, 10, 30, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize(("period", "start", "end", "message"), [
    ("today", "2026-11-01", None, "either a period"),
    (None, "yesterday-ish", None, "cannot read"),
    (None, "2026-11-02", "2026-11-01", "empty"),
])
def test_bad_ranges_say_what_is_wrong(period, start, end, message):
    with pytest.raises(RangeError, match=message):
        resolve_range(period, start, end, BERLIN, NOW)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (45.4, "45s"), (750, "12m 30s"),
                                               (11100, "3h 05m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
