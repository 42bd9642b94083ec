"""Turn `today`, `last30`, `--from 2026-11-01 --to 2026-11-07` into an aware datetime range."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from desktop.engine import periods

PERIODS = tuple(k for k in periods.RANGES if k != "custom")


class RangeError(ValueError):
    pass


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def period_range(period: str, tz: tzinfo, now: datetime | None = None) -> tuple[datetime, datetime]:
    """today/yesterday: that day; week: this week from Monday; month, year: calendar, to date;
    last7/last30: the last 7 or 30 days, today included (desktop.engine.periods)."""
    if period not in PERIODS:
        raise RangeError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    return periods.period_range(period, tz, now)


def parse_moment(text: str, tz: tzinfo, *, end: bool = False) -> datetime:
    """A date (`2026-11-01`: its start, or with end=True the start of the next day) or an ISO
    datetime (`2026-11-01T09:30`, `2026-11-01 09:30`, with or without an offset)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return _midnight(day + timedelta(days=1) if end else day, tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RangeError(
            f"cannot read {text!r} as a date (2026-11-01) or a datetime (2026-11-01T09:30)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def resolve_range(period: str | None, start: str | None, end: str | None, tz: tzinfo,
                  now: datetime | None = None) -> tuple[datetime, datetime]:
    if period and (start or end):
        raise RangeError("give either a period or --from/--to, not both")
    if period:
        return period_range(period, tz, now)
    if not start and not end:
        return period_range("today", tz, now)
    now = now or datetime.now(tz)
    lo = parse_moment(start, tz) if start else _midnight(now.astimezone(tz).date(), tz)
    hi = parse_moment(end, tz, end=True) if end else now
    if hi <= lo:
        raise RangeError(f"the range is empty: {lo.isoformat()} is not before {hi.isoformat()}")
    return lo, hi
