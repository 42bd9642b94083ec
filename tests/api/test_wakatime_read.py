"""WakaTime's read API on the local API, over real sockets: heartbeats posted first, then every
endpoint's shape, and the same seconds whichever endpoint counts them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest

from desktop.engine.api.shapes import system_os
from desktop.engine.api.wakatime_read import local_user
from desktop.engine.heartbeats import UNKNOWN_EDITOR
from tests.api.conftest import send
from tests.api.test_wakatime_api import PREFIX, VIM, beats_at, today_start

CODE = "wakatime/v1.73.0 (darwin-23.1.0-arm64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0"
ITEM_KEYS = {"name", "total_seconds", "percent", "digital", "decimal", "text", "hours",
             "minutes", "seconds"}
RANGES = {"Today": 1, "Yesterday": 1, "Last 7 Days": 7, "Last 7 Days from Yesterday": 7,
          "Last 14 Days": 14, "Last 30 Days": 30, "This Week": None, "Last Week": 7,
          "This Month": None, "Last Month": None}


@pytest.fixture
def zone_name() -> str:
    """A zone where it is about noon now, so that the hour before now is today's whenever
    the tests run (just after midnight, "ten minutes today" would be in the future)."""
    east = 12 - datetime.now(UTC).hour  # hours east of UTC: -11 to 12
    return f"Etc/GMT{-east:+d}"  # POSIX signs: Etc/GMT-5 is UTC+5


@pytest.fixture
def history(running) -> dict[str, float]:
    """Ten minutes today in vim (shop), five yesterday in VS Code (blog), and two minutes
    today from a client without a plugin: the seconds each day should hold."""
    midnight = today_start(running)
    now = datetime.now(running.engine.config.zone()).timestamp()
    t0 = max(midnight + 60, now - 3600)
    yesterday = midnight - 12 * 3600
    assert running.call("POST", f"{PREFIX}/heartbeats.bulk", beats_at(t0),
                        headers={"User-Agent": VIM}).status == 201
    assert running.call("POST", f"{PREFIX}/heartbeats.bulk", beats_at(yesterday, "blog")[:6],
                        headers={"User-Agent": CODE}).status == 201
    bare = [{"entity": "/notes/todo.md", "type": "file", "time": t0 + 1800 + 60 * i,
             "project": "notes"} for i in range(3)]
    assert running.call("POST", f"{PREFIX}/heartbeats.bulk", bare,
                        headers={"User-Agent": "curl/8"}).status == 201
    return {"today": 720.0, "yesterday": 300.0}


def get(running, path: str, **kw) -> dict:
    reply = running.call("GET", path, **kw)
    assert reply.status == 200, reply.body
    return reply.json()


def test_every_endpoint_counts_the_same_seconds(running, history):
    today = datetime.now(running.engine.config.zone()).date()
    week = get(running, f"{PREFIX}/summaries?range=last_7_days")
    total = history["today"] + history["yesterday"]
    assert week["cumulative_total"]["seconds"] == pytest.approx(total, abs=0.01)
    stats = get(running, f"{PREFIX}/stats/last_7_days")["data"]
    assert stats["total_seconds"] == pytest.approx(week["cumulative_total"]["seconds"], abs=0.01)
    assert stats["total_seconds_including_other_language"] == stats["total_seconds"]
    for name in ("last_30_days", "last_6_months", "last_year", "all_time", str(today.year),
                 f"{today:%Y-%m}"):
        assert get(running, f"{PREFIX}/stats/{name}")["data"]["total_seconds"] == \
            pytest.approx(total if name[0] == "l" or name == "all_time" or today.day > 1
                          else history["today"], abs=0.01), name
    alltime = get(running, f"{PREFIX}/all_time_since_today")["data"]
    assert alltime["total_seconds"] == pytest.approx(total, abs=0.01)
    bar = get(running, f"{PREFIX}/statusbar/today")["data"]
    assert bar["grand_total"]["total_seconds"] == pytest.approx(history["today"], abs=0.01)
    assert get(running, f"{PREFIX}/status_bar/today")["data"]["grand_total"] == bar["grand_total"]
    for day, key in ((today, "today"), (today - timedelta(days=1), "yesterday")):
        spans = get(running, f"{PREFIX}/durations?date={day}")["data"]
        assert sum(d["duration"] for d in spans) == pytest.approx(history[key], abs=0.01)
        for slice_by in ("language", "editor", "category", "entity", "os", "machine"):
            sliced = get(running, f"{PREFIX}/durations?date={day}&slice_by={slice_by}")["data"]
            assert sum(d["duration"] for d in sliced) == pytest.approx(history[key], abs=0.01)
            assert all(slice_by in d and "project" in d for d in sliced)
    for name in ("categories", "projects", "languages", "editors", "operating_systems",
                 "machines"):
        assert sum(i["total_seconds"] for i in stats[name]) == pytest.approx(total, abs=0.01)


def test_summaries_shapes_and_ranges(running, history):
    body = get(running, f"{PREFIX}/summaries?start=today&end=today")
    day = body["data"][0]
    assert [(c["name"], c["total_seconds"]) for c in day["categories"]] == [("Coding", 720.0)]
    assert {p["name"] for p in day["projects"]} == {"shop", "notes"}
    assert [e["name"] for e in day["editors"]] == ["Vim", UNKNOWN_EDITOR]
    assert [o["name"] for o in day["operating_systems"]] == [system_os()]
    assert day["machines"][0]["machine_name_id"] == running.engine.store.device
    assert day["dependencies"] == [] and day["branches"][0]["name"] == "main"
    for name in ("categories", "projects", "languages", "editors", "operating_systems",
                 "machines", "branches", "entities"):
        assert all(set(item) >= ITEM_KEYS for item in day[name]), name
    assert day["projects"][0]["digital"] == "0:10:00"  # items H:MM:SS, the grand total H:MM
    assert day["grand_total"]["digital"] == "0:12"
    assert set(body["daily_average"]) >= {"holidays", "days_including_holidays",
                                          "days_minus_holidays", "seconds", "text"}
    today = datetime.now(running.engine.config.zone()).date()
    for name, days in RANGES.items():
        reply = get(running, f"{PREFIX}/summaries?range={quote(name)}")
        assert days is None or len(reply["data"]) == days, name
        assert reply["data"][-1]["range"]["date"] <= str(today)
    this_month = get(running, f"{PREFIX}/summaries?range=This%20Month")["data"]
    assert this_month[0]["range"]["date"] == str(today.replace(day=1))
    shop = get(running, f"{PREFIX}/summaries?range=Today&project=shop&branches=main")
    assert shop["cumulative_total"]["seconds"] == pytest.approx(600, abs=0.01)
    last_week = get(running, f"{PREFIX}/summaries?range=Last%20Week")["data"]
    assert date.fromisoformat(last_week[0]["range"]["date"]).weekday() == 0
    for bad in ("range=Forever", "start=2024-13-01&end=today", "start=today&end=2020-01-01",
                "start=2020-01-01&end=today"):
        reply = running.call("GET", f"{PREFIX}/summaries?{bad}")
        assert reply.status == 400 and reply.json()["field"] in ("range", "start", "end"), bad


def test_stats_shape(running, history):
    data = get(running, f"{PREFIX}/stats/last_7_days")["data"]
    for key in ("total_seconds", "total_seconds_including_other_language", "human_readable_total",
                "human_readable_total_including_other_language", "daily_average",
                "daily_average_including_other_language", "human_readable_daily_average",
                "human_readable_daily_average_including_other_language",
                "days_including_holidays", "days_minus_holidays", "holidays", "range", "start",
                "end", "timezone", "best_day", "username"):
        assert key in data, key
    assert (data["status"], data["is_up_to_date"], data["percent_calculated"]) == ("ok", True, 100)
    assert (data["days_including_holidays"], data["days_minus_holidays"], data["holidays"]) == \
        (7, 2, 5)
    assert data["daily_average"] == pytest.approx(510, abs=0.01)
    assert data["best_day"]["total_seconds"] == pytest.approx(720, abs=0.01)
    assert data["username"] == local_user()
    assert [c["name"] for c in data["categories"]] == ["Coding"]
    assert [e["name"] for e in data["editors"]] == ["Vim", "VS Code", UNKNOWN_EDITOR]
    assert [o["name"] for o in data["operating_systems"]] == [system_os()]
    assert data["dependencies"] == []
    assert all(set(item) >= ITEM_KEYS for item in data["languages"])
    for bad in ("forever", "2999", "2026-13"):
        assert running.call("GET", f"{PREFIX}/stats/{bad}").status == 400, bad
    assert get(running, f"{PREFIX}/stats")["data"]["range"] == "last_7_days"


def test_users_projects_and_names(running, history):
    me = get(running, PREFIX)["data"]
    assert me["username"] == local_user() and me["timezone"] and me["created_at"]
    assert me["last_project"] == "notes" and me["last_heartbeat_at"]
    mine = f"/api/v1/users/{quote(local_user())}"
    assert get(running, mine)["data"] == me
    assert get(running, f"{mine}/stats/last_7_days")["data"]["total_seconds"] == \
        pytest.approx(1020, abs=0.01)
    assert running.call("GET", "/api/v1/users/somebody-else/stats/last_7_days").status == 404
    projects = get(running, f"{PREFIX}/projects")["data"]
    assert [p["name"] for p in projects] == ["notes", "shop", "blog"]
    shop = projects[1]
    assert shop["repository"] is None and shop["badge"] is None and shop["urlencoded_name"]
    assert shop["created_at"] < shop["last_heartbeat_at"]
    assert shop["human_readable_last_heartbeat_at"].endswith("ago")
    assert [p["name"] for p in get(running, f"{PREFIX}/projects?q=SH")["data"]] == ["shop"]
    # the key in the query string, as README cards and prompts send it
    assert send(running.port, "GET", f"{PREFIX}/all_time_since_today?api_key={running.key}"
                ).status == 200
    assert send(running.port, "GET", f"{PREFIX}/all_time_since_today").status == 401


def test_goals(running, history):
    running.engine.config.goals.daily_coding_minutes = 11
    goals = get(running, f"{PREFIX}/goals")
    assert goals["total"] == 1
    goal = goals["data"][0]
    assert goal["title"] == "Code 11 mins per day" and goal["delta"] == "day"
    chart = goal["chart_data"]
    assert len(chart) == 7
    assert (chart[-1]["actual_seconds"], chart[-1]["goal_seconds"]) == (720.0, 660)
    assert chart[-1]["range_status"] == "success" and chart[-2]["range_status"] == "fail"
    assert chart[-2]["actual_seconds"] == pytest.approx(300, abs=0.01)
    one = get(running, f"{PREFIX}/goals/{goal['id']}")
    assert one["data"] == goal  # what `wakatime-cli --today-goal ID` reads
    assert running.call("GET", f"{PREFIX}/goals/nope").status == 404
    running.engine.config.goals.daily_coding_minutes = 0
    assert get(running, f"{PREFIX}/goals")["data"] == []
    assert running.call("GET", f"{PREFIX}/goals/{goal['id']}").status == 404


def test_plugin_errors(running):
    diagnostics = {"architecture": "amd64", "cli_version": "v1.73.0", "platform": "linux",
                   "plugin": "vim-wakatime/10.0", "error_message": "boom", "logs": "x" * 100}
    path = f"{PREFIX}/plugins/errors"
    assert running.call("POST", path, diagnostics).status == 201
    for junk in (b"[1, 2]", b"not json", b'"text"', b"\xff\xfe"):
        assert running.call("POST", path, raw=junk).status == 400, junk
    big = json.dumps({"logs": "x" * 70_000}).encode()
    assert running.call("POST", path, raw=big).status == 413
