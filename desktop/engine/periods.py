"""Named date ranges (today, this week, last 30 days...) as whole local days, and how they step.

One place for the range arithmetic: the statistics window uses it, and `period_range` gives
the same bounds as `timeforged report <period>` ("this week, month, year" are calendar, to
date).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from watchers.records import Frozen

RANGE_NAMES = {
    "today": "Today", "yesterday": "Yesterday", "week": "This week", "last7": "Last 7 days",
    "month": "This month", "last30": "Last 30 days", "year": "This year",
    "custom": "Custom range",
}
RANGES = tuple(RANGE_NAMES)


def midnight(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _add_months(day: date, months: int) -> date:
    import calendar  # here: `status` and `report today` add no months

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


class Period(Frozen):
    """Local days [start, end) chosen as `kind` (one of RANGES)."""

    __slots__ = ("kind", "start", "end")  # noqa: RUF023

    kind: str
    start: date
    end: date  # the day after the last one

    def __init__(self, kind: str, start: date, end: date) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def of(cls, kind: str, today: date) -> Period:
        """The range `kind` as seen on `today`; week, month and year end with today."""
        one = timedelta(days=1)
        if kind == "today":
            return cls(kind, today, today + one)
        if kind == "yesterday":
            return cls(kind, today - one, today)
        if kind == "week":
            return cls(kind, today - timedelta(days=today.weekday()), today + one)
        if kind == "last7":
            return cls(kind, today - timedelta(days=6), today + one)
        if kind == "month":
            return cls(kind, today.replace(day=1), today + one)
        if kind == "last30":
            return cls(kind, today - timedelta(days=29), today + one)
        if kind == "year":
            return cls(kind, today.replace(month=1, day=1), today + one)
        raise ValueError(f"unknown range {kind!r}: use one of {', '.join(RANGES)}")

    @classmethod
    def custom(cls, first: date, last: date) -> Period:
        """From `first` to `last`, both included."""
        if last < first:
            raise ValueError(f"the range is empty: {last} is before {first}")
        return cls("custom", first, last + timedelta(days=1))

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def single_day(self) -> bool:
        return self.end - self.start == timedelta(days=1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def bounds(self, tz: tzinfo | None) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes at local midnight."""
        return midnight(self.start, tz), midnight(self.end, tz)

    def shifted(self, steps: int, today: date | None = None) -> Period:
        """`steps` whole periods later (earlier when negative): a day, a calendar week, month
        or year, or the range's own length. A calendar period is whole, except the one holding
        `today`, which ends with it (as when first chosen)."""
        kind = self.kind
        if kind in ("week", "month", "year"):
            if kind == "week":
                start = self.start + timedelta(weeks=steps)
                end = start + timedelta(days=7)
            elif kind == "month":
                start = _add_months(self.start, steps)
                end = _add_months(start, 1)
            else:
                start = self.start.replace(year=self.start.year + steps)
                end = start.replace(year=start.year + 1)
            if today is not None and start <= today < end:
                end = today + timedelta(days=1)
            return Period(kind, start, end)
        length = self.end - self.start
        return Period(kind, self.start + steps * length, self.end + steps * length)

    def label(self, today: date | None = None) -> str:
        first, last = self.start, self.last
        if self.single_day:
            names = {} if today is None else {today: "Today", today - timedelta(days=1):
                                               "Yesterday"}
            prefix = names.get(first)
            text = f"{first:%A %d %B %Y}"
            return f"{prefix}, {text}" if prefix else text
        span = f"{first:%d %b} – {last:%d %b %Y}"
        if self.kind == "week":
            return f"Week {first.isocalendar()[1]}: {span}"
        if self.kind == "month":
            return f"{first:%B %Y}"
        if self.kind == "year":
            return f"{first:%Y}"
        return f"{span} ({len(self.days())} days)"


def period_range(kind: str, tz: tzinfo, now: datetime | None = None
                 ) -> tuple[datetime, datetime]:
    """The aware [start, end) of range `kind` as of `now` (default: now in `tz`)."""
    now = now or datetime.now(tz)
    return Period.of(kind, now.astimezone(tz).date()).bounds(tz)
