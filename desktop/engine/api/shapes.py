"""WakaTime's read API shapes (API v1), shared by the local API and the sync server.

Each side counts seconds by name its own way (the desktop's analytics, the server's rollups)
and hands them here as ``{list name: [(name, seconds), ...]}``; this module names, sorts,
rounds and wraps them the way WakaTime answers, and resolves WakaTime's range keywords.
"""

from __future__ import annotations

import platform
import uuid as uuidlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import quote

from desktop.engine.digests import uuid5
from desktop.engine.heartbeats import OS_NAMES, UNKNOWN_EDITOR, WAKATIME_TIMEOUT

Pairs = Iterable[tuple[str, float]]

# The lists of a day's summary, in WakaTime's order, and our dimension behind each (None: the
# caller fills it: operating systems and machines come from devices, dependencies are not kept).
SUMMARY_LISTS = ("categories", "projects", "languages", "editors", "operating_systems",
                 "dependencies", "machines", "branches", "entities")
STATS_LISTS = ("categories", "projects", "languages", "editors", "operating_systems",
               "dependencies", "machines")
DIMENSIONS = {"categories": "category", "projects": "project", "languages": "language",
              "editors": "editor", "branches": "branch", "entities": "file",
              "machines": "device"}
UNKNOWN = "unknown"  # analytics' name for a missing value (desktop.engine.analytics.UNKNOWN)
UNKNOWN_OS = "Unknown"
# WakaTime's name for a missing value, per list.
UNKNOWN_NAMES = {"projects": "Unknown Project", "languages": "Other", "editors": UNKNOWN_EDITOR,
                 "operating_systems": UNKNOWN_OS}
NAMESPACE = uuidlib.UUID("0b7e3c55-1f7d-4a41-9f0e-6c3d2a8e5b17")  # our stable ids

# summaries?range=...: (days back to the first day, days back to the last day) or a calendar
# span, resolved by `summary_range`.
SUMMARY_RANGES = {"today": (0, 0), "yesterday": (1, 1), "last 7 days": (6, 0),
                  "last 7 days from yesterday": (7, 1), "last 14 days": (13, 0),
                  "last 30 days": (29, 0)}
CALENDAR_RANGES = ("this week", "last week", "this month", "last month")
MAX_SUMMARY_DAYS = 400
# stats/{range}: days ending today.
STATS_RANGES = {"last_7_days": 7, "last_30_days": 30, "last_6_months": 183, "last_year": 365}


class RangeError(ValueError):
    """A range that cannot be read; `field` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# -- names and durations ---------------------------------------------------------------------


def duration_parts(seconds: float) -> dict[str, Any]:
    """WakaTime's ways of saying a duration (a grand total's: digital is H:MM)."""
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
    if whole < 60:
        text = f"{secs} sec{'s' if secs != 1 else ''}"
    else:
        text = " ".join(part for part in (
            f"{hours} hr{'s' if hours != 1 else ''}" if hours else "",
            f"{minutes} min{'s' if minutes != 1 else ''}" if minutes or not hours else "") if part)
    return {"total_seconds": round(seconds, 3), "text": text, "digital": f"{hours}:{minutes:02d}",
            "decimal": f"{seconds / 3600:.2f}", "hours": hours, "minutes": minutes,
            "seconds": secs}


def category_name(name: str) -> str:
    """WakaTime's casing of a category: "writing docs" -> "Writing Docs"."""
    return " ".join(word[:1].upper() + word[1:] for word in name.split(" "))


def display_name(list_name: str, name: str) -> str:
    if list_name == "categories":
        return category_name(name)
    if name == UNKNOWN:
        return UNKNOWN_NAMES.get(list_name, "Unknown")
    return name


def our_name(list_name: str, name: str) -> str:
    """`display_name` undone for a missing value: "Unknown Project" -> "unknown"."""
    return UNKNOWN if name == UNKNOWN_NAMES.get(list_name, "Unknown") else name


def system_os() -> str:
    """This machine's operating system, named as WakaTime names it ("Linux", "Mac"...)."""
    system = platform.system()
    return OS_NAMES.get(system.lower(), system or UNKNOWN_OS)


def items(list_name: str, pairs: Pairs, total: float,
          extra: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One of a summary's lists: names as WakaTime writes them (equal names summed), largest
    first; `extra` adds fields to the item of a name (a machine's id)."""
    acc: dict[str, float] = defaultdict(float)
    for name, secs in pairs:
        if secs > 0:
            acc[display_name(list_name, str(name))] += secs
    out = []
    for name, secs in sorted(acc.items(), key=lambda kv: (-kv[1], kv[0])):
        parts = duration_parts(secs)
        out.append({"name": name, **parts,
                    "digital": f"{parts['hours']}:{parts['minutes']:02d}:{parts['seconds']:02d}",
                    "percent": round(100 * secs / total, 2) if total else 0.0,
                    **(extra or {}).get(name, {})})
    return out


def iso(moment: datetime) -> str:
    return moment.isoformat()


def midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def day_text(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return day.strftime("%a %b %-d")


# -- ranges ----------------------------------------------------------------------------------


def parse_day(value: str | None, name: str, today: date) -> date:
    text = (value or "").strip()
    if text.lower() in ("", "today"):
        return today
    if text.lower() == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise RangeError(name, f"expected YYYY-MM-DD, got {text[:40]!r}") from None


def summary_range(named: str | None, start: str | None, end: str | None, today: date
                  ) -> tuple[date, date]:
    """The days of summaries?range=... (WakaTime's keywords; "_" for " " too) or
    ?start=&end= (YYYY-MM-DD, "today", "yesterday")."""
    if named:
        key = named.strip().lower().replace("_", " ")
        if key in SUMMARY_RANGES:
            back, until = SUMMARY_RANGES[key]
            return today - timedelta(days=back), today - timedelta(days=until)
        monday = today - timedelta(days=today.weekday())
        first = today.replace(day=1)
        month_before = first - timedelta(days=1)
        spans = {"this week": (monday, today),
                 "last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
                 "this month": (first, today),
                 "last month": (month_before.replace(day=1), month_before)}
        if key not in spans:
            raise RangeError("range", f"unknown range {named[:40]!r}; one of "
                             f"{', '.join(k.title() for k in [*SUMMARY_RANGES, *spans])}")
        return spans[key]
    if not start or not end:
        raise RangeError("start", "start and end (YYYY-MM-DD) or range are required")
    first, last = parse_day(start, "start", today), parse_day(end, "end", today)
    if last < first:
        raise RangeError("end", "before start")
    if (last - first).days >= MAX_SUMMARY_DAYS:
        raise RangeError("end", f"at most {MAX_SUMMARY_DAYS} days at once")
    return first, last


@dataclass(frozen=True)
class StatsRange:
    name: str
    first: date
    last: date
    text: str  # human_readable_range


def stats_range(name: str, today: date, first_day: date | None) -> StatsRange:
    """stats/{range}: last_7_days, last_30_days, last_6_months, last_year, all_time (from
    `first_day`, the first day with time), a year "2026" or a month "2026-11" (up to today)."""
    if name in STATS_RANGES:
        return StatsRange(name, today - timedelta(days=STATS_RANGES[name] - 1), today,
                          name.replace("_", " "))
    if name == "all_time":
        return StatsRange(name, min(first_day or today, today), today, "all time")
    try:
        if len(name) == 4 and name.isdigit():
            first, last, text = date(int(name), 1, 1), date(int(name), 12, 31), name
        elif len(name) == 7 and name[4] == "-" and name[:4].isdigit() and name[5:].isdigit():
            year, month = int(name[:4]), int(name[5:])
            first = date(year, month, 1)
            import calendar  # here: the idle tray's API need not build its tables

            last = date(year, month, calendar.monthrange(year, month)[1])
            text = first.strftime("%B %Y")
        else:
            raise ValueError(name)
    except ValueError:
        raise RangeError("range", f"unknown range {name[:40]!r}; one of "
                         f"{', '.join(STATS_RANGES)}, all_time, YYYY or YYYY-MM") from None
    if first > today:
        raise RangeError("range", f"{name} has not begun yet")
    return StatsRange(name, first, min(last, today), text)


# -- responses -------------------------------------------------------------------------------


def summary_day(lists: Mapping[str, Pairs], total: float, day: date, tz: tzinfo, text: str,
                extra: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None
                ) -> dict[str, Any]:
    """One day of summaries (and the status bar's "today"); lists missing from `lists` are
    empty."""
    start = midnight(day, tz)
    return {
        "grand_total": duration_parts(total),
        **{name: items(name, lists.get(name, ()), total, (extra or {}).get(name))
           for name in SUMMARY_LISTS},
        "range": {"date": day.isoformat(), "start": iso(start),
                  "end": iso(midnight(day + timedelta(days=1), tz)), "text": text,
                  "timezone": str(tz)},
    }


def _average(total: float, days: int, active: int) -> dict[str, Any]:
    """WakaTime's daily average: days without any time are holidays and do not count."""
    average = total / active if active else 0.0
    text = duration_parts(average)["text"]
    return {"holidays": days - active, "days_including_holidays": days,
            "days_minus_holidays": active, "seconds": round(average, 3),
            "seconds_including_other_language": round(average, 3), "text": text,
            "text_including_other_language": text}


def summaries(days: list[dict[str, Any]], first: date, last: date, tz: tzinfo) -> dict[str, Any]:
    totals = [d["grand_total"]["total_seconds"] for d in days]
    total = sum(totals)
    parts = duration_parts(total)
    return {"data": days,
            "cumulative_total": {"seconds": round(total, 3), "text": parts["text"],
                                 "decimal": parts["decimal"], "digital": parts["digital"]},
            "daily_average": _average(total, len(days), sum(1 for t in totals if t > 0)),
            "start": iso(midnight(first, tz)),
            "end": iso(midnight(last + timedelta(days=1), tz))}


def stats(lists: Mapping[str, Pairs], total: float, daily: Mapping[date, float],
          span: StatsRange, tz: tzinfo, user: Mapping[str, Any],
          extra: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None
          ) -> dict[str, Any]:
    """stats/{range}'s data. `daily`: seconds per day with time; `user`: id and username."""
    days = (span.last - span.first).days + 1
    average = _average(total, days, sum(1 for s in daily.values() if s > 0))
    best = max(sorted(daily.items()), key=lambda kv: kv[1], default=None)  # ties: the first
    hr_total = duration_parts(total)["text"]
    return {
        "id": str(uuid5(NAMESPACE, f"stats:{user['id']}:{span.name}")),
        "user_id": user["id"], "username": user["username"],
        "range": span.name, "human_readable_range": span.text,
        "start": iso(midnight(span.first, tz)), "end": iso(midnight(span.last + timedelta(1), tz)),
        "timezone": str(tz), "timeout": int(WAKATIME_TIMEOUT // 60), "writes_only": False,
        "status": "ok", "is_up_to_date": True, "is_up_to_date_pending_future": False,
        "percent_calculated": 100, "is_already_updating": False, "is_stuck": False,
        "is_including_today": True, "is_cached": False,
        "is_coding_activity_visible": True, "is_other_usage_visible": True,
        "total_seconds": round(total, 3), "total_seconds_including_other_language": round(total, 3),
        "human_readable_total": hr_total, "human_readable_total_including_other_language": hr_total,
        "daily_average": average["seconds"],
        "daily_average_including_other_language": average["seconds"],
        "human_readable_daily_average": average["text"],
        "human_readable_daily_average_including_other_language": average["text"],
        "holidays": average["holidays"], "days_including_holidays": days,
        "days_minus_holidays": average["days_minus_holidays"],
        "best_day": ({"date": best[0].isoformat(), "total_seconds": round(best[1], 3),
                      "text": duration_parts(best[1])["text"]}
                     if best and best[1] > 0 else None),
        **{name: items(name, lists.get(name, ()), total, (extra or {}).get(name))
           for name in STATS_LISTS},
    }


def all_time(total: float, first: date, last: date, tz: tzinfo) -> dict[str, Any]:
    """all_time_since_today's data: every day with time up to today."""
    parts = duration_parts(total)
    days = (last - first).days + 1
    start, end = midnight(first, tz), midnight(last + timedelta(days=1), tz)
    return {"total_seconds": round(total, 3), "text": parts["text"],
            "decimal": parts["decimal"], "digital": parts["digital"],
            "daily_average": round(total / days, 3) if days else 0.0,
            "is_up_to_date": True, "percent_calculated": 100,
            "range": {"start": iso(start), "start_date": first.isoformat(),
                      "start_text": first.strftime("%a %b %-d %Y"), "end": iso(end),
                      "end_date": last.isoformat(), "end_text": "Today",
                      "timezone": str(tz)},
            "timeout": int(WAKATIME_TIMEOUT // 60)}


def stamp(epoch: float | None, tz: tzinfo) -> str | None:
    return None if epoch is None else iso(datetime.fromtimestamp(epoch, tz))


def ago(epoch: float | None, now: float) -> str | None:
    """"3 hours ago", WakaTime's human_readable_last_heartbeat_at."""
    if epoch is None:
        return None
    seconds = max(0, int(now - epoch))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def project(name: str, first: float | None, last: float | None, tz: tzinfo, now: float
            ) -> dict[str, Any]:
    """One of projects' data (the project was first and last seen at these epochs)."""
    return {"id": str(uuid5(NAMESPACE, f"project:{name}")), "name": name,
            "repository": None, "badge": None, "color": None, "clients": [],
            "has_public_url": False, "human_readable_last_heartbeat_at": ago(last, now),
            "last_heartbeat_at": stamp(last, tz), "human_readable_first_heartbeat_at":
                ago(first, now), "first_heartbeat_at": stamp(first, tz),
            "urlencoded_name": quote(name, safe=""), "created_at": stamp(first, tz)}


def user(*, uid: str, username: str, full_name: str, email: str | None, tz: tzinfo,
         created: float | None, last_heartbeat: float | None, last_project: str | None
         ) -> dict[str, Any]:
    """users/current's data, with what we know; the rest empty or WakaTime's defaults."""
    return {"id": uid, "username": username, "display_name": full_name or username,
            "full_name": full_name, "email": email, "public_email": None,
            "is_email_public": False, "is_email_confirmed": False, "photo": None,
            "photo_public": False, "timezone": str(tz), "created_at": stamp(created, tz),
            "modified_at": None, "last_heartbeat_at": stamp(last_heartbeat, tz),
            "last_project": last_project, "last_plugin_name": None, "last_branch": None,
            "last_language": None, "website": None, "human_readable_website": None,
            "location": None, "bio": None, "github_username": None, "twitter_username": None,
            "linkedin_username": None, "wonderfuldev_username": None, "is_hireable": False,
            "plan": "basic", "has_premium_features": False, "timeout": int(WAKATIME_TIMEOUT // 60),
            "writes_only": False, "share_all_time_badge": None, "languages_used_public": False,
            "logged_time_public": False, "profile_url": None, "profile_url_escaped": None}


def goal(*, goal_id: str, title: str, goal_seconds: float, actual: Mapping[date, float],
         today: date, tz: tzinfo, owner: Mapping[str, Any], created: float | None,
         categories: list[str] | None = None) -> dict[str, Any]:
    """A daily goal's data, its chart over the days of `actual` (oldest first): met days
    "success", missed ones "fail", today "pending" until met."""
    chart = []
    met = 0
    for day in sorted(actual):
        secs = actual[day]
        status = ("success" if secs >= goal_seconds else "pending" if day == today else "fail")
        met += status == "success"
        start = midnight(day, tz)
        chart.append({
            "actual_seconds": round(secs, 3), "actual_seconds_text": duration_parts(secs)["text"],
            "goal_seconds": int(goal_seconds),
            "goal_seconds_text": duration_parts(goal_seconds)["text"],
            "range": {"date": day.isoformat(), "start": iso(start),
                      "end": iso(midnight(day + timedelta(days=1), tz)),
                      "text": day_text(day, today), "timezone": str(tz)},
            "range_status": status,
            "range_status_reason": (f"{'met' if status == 'success' else 'coded'} "
                                    f"{duration_parts(secs)['text']} of "
                                    f"{duration_parts(goal_seconds)['text']} on "
                                    f"{day_text(day, today)}"),
            "range_status_reason_short": duration_parts(secs)["text"]})
    past = [c for c in chart if c["range_status"] != "pending"]
    return {"id": goal_id, "title": title, "custom_title": None, "type": "coding",
            "delta": "day", "seconds": int(goal_seconds), "improve_by_percent": None,
            "is_enabled": True, "is_inverse": False, "is_snoozed": False, "snooze_until": None,
            "is_tweeting": False, "ignore_zero_days": False, "ignore_days": [],
            "languages": [], "projects": [], "editors": [], "categories": categories or [],
            "status": "success" if chart and chart[-1]["range_status"] == "success"
            else "pending" if chart and chart[-1]["range_status"] == "pending" else "fail",
            "average_status": ("success" if past and sum(c["actual_seconds"] for c in past)
                               / len(past) >= goal_seconds else "fail"),
            "cumulative_status": "success" if past and met >= len(past) else "fail",
            "range_text": "per day", "status_percent_calculated": 100,
            "chart_data": chart, "owner": dict(owner), "is_current_user_owner": True,
            "shared_with": [], "subscribers": [], "created_at": stamp(created, tz),
            "modified_at": None}


def goal_id(scope: str) -> str:
    """The stable id of the daily goal of `scope` (a user, this machine)."""
    return str(uuid5(NAMESPACE, f"daily-goal:{scope}"))


def goal_title(goal_seconds: float, category: str = "coding") -> str:
    verb = "Code" if category == "coding" else category_name(category)
    return f"{verb} {duration_parts(goal_seconds)['text']} per day"


# -- durations -------------------------------------------------------------------------------

SLICES = ("project", "entity", "language", "editor", "category", "branch", "machine", "os")


def merge_durations(pieces: Iterable[tuple[float, float, str, str]], slice_by: str
                    ) -> list[dict[str, Any]]:
    """(start, end, project, slice value) pieces of a day, sorted and not overlapping, as
    WakaTime's durations: abutting pieces of one project and value join (a gap does not: its
    time was not counted)."""
    out: list[dict[str, Any]] = []
    last_end = None
    for start, end, proj, value in pieces:
        start, end = round(start, 6), round(end, 6)  # microseconds, as datetimes hold them
        if out and last_end is not None and start - last_end < 1e-6 and \
                out[-1]["project"] == proj and out[-1].get(slice_by, proj) == value:
            out[-1]["duration"] = round(end - out[-1]["time"], 6)
        else:
            item = {"project": proj, "time": start, "duration": round(end - start, 6)}
            if slice_by != "project":
                item[slice_by] = value
            out.append(item)
        last_end = end
    return out


def durations(data: list[dict[str, Any]], branches: Iterable[str], day: date, tz: tzinfo
              ) -> dict[str, Any]:
    return {"data": data, "branches": sorted(set(branches)), "start": iso(midnight(day, tz)),
            "end": iso(midnight(day + timedelta(days=1), tz)), "timezone": str(tz),
            "color": None}
