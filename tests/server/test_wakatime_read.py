"""WakaTime's read API on a real server process (SQLite and PostgreSQL), over sockets:
heartbeats and a desktop's push first, then every endpoint's shape, the same seconds whichever
endpoint counts them, operating systems by device, public stats for README cards."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from desktop.engine.heartbeats import UNKNOWN_EDITOR
from server.db import Database
from server.migrations import STEPS
from tests.api.conftest import send
from tests.server.conftest import ServerProcess, admin, user_with_key

W = "/api/v1/users/current"
VIM = "wakatime/13.1.0 (Linux-6.1.0-x86_64) Python3.11.7.final.0 vim/9.0 vim-wakatime/10.0"
CODE = "wakatime/v1.73.0 (darwin-23.1.0-arm64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def call(server: ServerProcess, method: str, path: str, *, key: str | None = None,
         body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None
         ) -> tuple[int, Any]:
    reply = send(server.port, method, path, body, key=key, headers=headers, raw=raw)
    return reply.status, reply.json() if reply.body else None


def ok(server: ServerProcess, path: str, key: str | None) -> dict[str, Any]:
    status, body = call(server, "GET", path, key=key)
    assert status == 200, (path, body)
    return body


@pytest.fixture
def served(server_process):
    """ann (a key) with time today in vim on "laptop" (Linux), yesterday in VS Code on "mac",
    and an hour today pushed by her desktop, which says it runs Windows; bob with a key."""
    server = server_process
    server.settings.update(rate_per_second="1000", rate_burst="1000")
    ann = user_with_key(server.database_url, "ann")
    bob = user_with_key(server.database_url, "bob")
    server.start()
    midnight = datetime.now(ZoneInfo("UTC")).replace(hour=0, minute=0, second=0,
                                                     microsecond=0).timestamp()
    t0 = max(midnight + 60, time.time() - 3 * 3600)
    vim = [{"entity": f"/src/shop/{'a' if i < 6 else 'b'}.py", "type": "file", "time": t0 + 60 * i,
            "project": "shop", "branch": "main", "language": "Python"} for i in range(11)]
    code = [{"entity": "/src/blog/x.ts", "type": "file", "time": midnight - 43200 + 60 * i,
             "project": "blog", "language": "TypeScript"} for i in range(6)]
    for beats, agent, machine in ((vim, VIM, "laptop"), (code, CODE, "mac")):
        status, _ = call(server, "POST", f"{W}/heartbeats.bulk", key=ann, body=beats,
                         headers={"User-Agent": agent, "X-Machine-Name": machine})
        assert status == 201
    desk = str(uuid.uuid4())
    span = {"uuid": str(uuid.uuid4()), "start": t0 + 1800, "end": t0 + 1800 + 3600,
            "source": "window", "device": desk, "app": "firefox", "site": "docs.python.org",
            "updated": time.time()}
    status, _ = call(server, "POST", "/api/sync/v1/push", key=ann,
                     body={"device": desk, "device_name": "desk", "os": "Windows",
                           "spans": [span]})
    assert status == 200
    return server, ann, bob, {"today": 600.0 + 3600.0, "yesterday": 300.0}


def test_every_endpoint_counts_the_same_seconds(served):
    server, ann, _, seconds = served
    total = seconds["today"] + seconds["yesterday"]
    today = datetime.now(ZoneInfo("UTC")).date()
    week = ok(server, f"{W}/summaries?range=Last%207%20Days", ann)
    assert week["cumulative_total"]["seconds"] == pytest.approx(total)
    stats = ok(server, f"{W}/stats/last_7_days", ann)["data"]
    assert stats["total_seconds"] == pytest.approx(total)
    assert stats["total_seconds_including_other_language"] == stats["total_seconds"]
    for name in ("last_30_days", "last_6_months", "last_year", "all_time", str(today.year)):
        assert ok(server, f"{W}/stats/{name}", ann)["data"]["total_seconds"] == \
            pytest.approx(total), name
    assert ok(server, f"{W}/all_time_since_today", ann)["data"]["total_seconds"] == \
        pytest.approx(total)
    bar = ok(server, f"{W}/statusbar/today", ann)["data"]
    assert bar["grand_total"]["total_seconds"] == pytest.approx(seconds["today"])
    assert ok(server, f"{W}/status_bar/today", ann)["data"]["grand_total"] == bar["grand_total"]
    for day, key in ((today, "today"), (today - timedelta(days=1), "yesterday")):
        for slice_by in ("project", "language", "editor", "category", "entity", "os", "machine"):
            found = ok(server, f"{W}/durations?date={day}&slice_by={slice_by}", ann)["data"]
            assert sum(d["duration"] for d in found) == pytest.approx(seconds[key]), slice_by
    for name in ("categories", "projects", "languages", "editors", "operating_systems",
                 "machines"):
        assert sum(i["total_seconds"] for i in stats[name]) == pytest.approx(total), name


def test_shapes_names_and_operating_systems(served):
    server, ann, _, _ = served
    stats = ok(server, f"{W}/stats/last_7_days", ann)["data"]
    assert (stats["status"], stats["is_up_to_date"], stats["percent_calculated"]) == \
        ("ok", True, 100)
    assert (stats["days_including_holidays"], stats["days_minus_holidays"],
            stats["holidays"]) == (7, 2, 5)
    assert stats["username"] == "ann" and stats["best_day"]["total_seconds"] == 4200.0
    assert {o["name"]: o["total_seconds"] for o in stats["operating_systems"]} == {
        "Windows": 3600.0, "Linux": 600.0, "Mac": 300.0}
    assert {m["name"] for m in stats["machines"]} == {"laptop", "mac", "desk"}
    assert [e["name"] for e in stats["editors"]] == [UNKNOWN_EDITOR, "Vim", "VS Code"]
    assert all(c["name"][:1].isupper() for c in stats["categories"])
    assert "Coding" in {c["name"] for c in stats["categories"]}
    assert stats["dependencies"] == []
    for key in ("human_readable_total", "human_readable_total_including_other_language",
                "daily_average_including_other_language", "human_readable_daily_average",
                "human_readable_daily_average_including_other_language", "timezone", "start",
                "end", "range"):
        assert key in stats, key
    item = stats["projects"][0]
    assert set(item) >= {"name", "total_seconds", "percent", "digital", "text", "hours",
                         "minutes", "seconds"}
    for bad in ("forever", "2999", "2026-13"):
        assert call(server, "GET", f"{W}/stats/{bad}", key=ann)[0] == 400, bad
    assert ok(server, f"{W}/stats", ann)["data"]["range"] == "last_7_days"
    day = ok(server, f"{W}/summaries?start=today&end=today", ann)["data"][0]
    assert [(p["name"], p["total_seconds"]) for p in day["projects"]] == [
        ("Unknown Project", 3600.0), ("shop", 600.0)]
    assert day["branches"][0]["name"] in ("main", "Unknown")
    for name in ("Today", "Yesterday", "Last 7 Days from Yesterday", "Last 14 Days",
                 "Last 30 Days", "This Week", "Last Week", "This Month", "Last Month"):
        status, body = call(server, "GET", f"{W}/summaries?range={quote(name)}", key=ann)
        assert status == 200 and body["data"], name
    only = ok(server, f"{W}/summaries?range=Today&project=shop", ann)
    assert only["cumulative_total"]["seconds"] == 600.0
    only = ok(server, f"{W}/summaries?range=Today&project=Unknown%20Project", ann)
    assert only["cumulative_total"]["seconds"] == 3600.0
    assert call(server, "GET", f"{W}/summaries?range=Forever", key=ann)[0] == 400


def test_users_projects_goals_and_errors(served):
    server, ann, bob, _ = served
    me = ok(server, W, ann)["data"]
    assert me["username"] == "ann" and me["timezone"] == "UTC" and me["created_at"]
    assert me["last_heartbeat_at"] and me["last_project"] == "Unknown Project"
    assert ok(server, "/api/v1/users/ann", ann)["data"] == me
    assert ok(server, "/api/v1/users/ann/projects", ann)["data"] == \
        ok(server, f"{W}/projects", ann)["data"]
    for path in ("/api/v1/users/ann", "/api/v1/users/ann/summaries?range=Today",
                 "/api/v1/users/ann/durations", "/api/v1/users/ann/goals"):
        assert call(server, "GET", path, key=bob)[0] == 404, path  # bob never reads ann's
    assert call(server, "GET", f"{W}/projects", key=bob)[1]["data"] == []
    projects = ok(server, f"{W}/projects", ann)["data"]
    assert [p["name"] for p in projects] == ["Unknown Project", "shop", "blog"]
    shop = projects[1]
    assert shop["repository"] is None and shop["badge"] is None
    assert shop["created_at"] < shop["last_heartbeat_at"] and shop["urlencoded_name"] == "shop"
    assert [p["name"] for p in ok(server, f"{W}/projects?q=LO", ann)["data"]] == ["blog"]

    assert ok(server, f"{W}/goals", ann)["data"][0]["title"] == "Code 2 hrs per day"
    assert call(server, "POST", f"{W}/settings", key=ann, body={"daily_goal_minutes": 60}
                )[0] == 200
    goals = ok(server, f"{W}/goals", ann)
    assert goals["total"] == 1
    goal = goals["data"][0]
    assert goal["title"] == "Code 1 hr per day" and len(goal["chart_data"]) == 7
    assert goal["chart_data"][-1]["actual_seconds"] == 4200.0
    assert goal["chart_data"][-1]["range_status"] == "success"
    assert goal["chart_data"][-2]["range_status"] == "fail"
    assert ok(server, f"{W}/goals/{goal['id']}", ann)["data"] == goal
    assert call(server, "GET", f"{W}/goals/{uuid.uuid4()}", key=ann)[0] == 404

    errors = f"{W}/plugins/errors"
    assert call(server, "POST", errors, key=ann, body={"plugin": "vim", "error_message": "x"}
                )[0] == 201
    for junk in (b"[1]", b"nope", b"\xff", b'"x"'):
        assert call(server, "POST", errors, key=ann, raw=junk)[0] == 400, junk
    assert call(server, "POST", errors, key=ann, raw=json.dumps(
        {"logs": "x" * 70_000}).encode())[0] == 413
    assert call(server, "POST", errors, body={"plugin": "vim"})[0] == 401


def test_public_stats_for_readme_cards(served):
    server, ann, bob, _ = served
    card = "/api/v1/users/ann/stats/last_7_days?is_including_today=true"
    assert call(server, "GET", card)[0] == 404  # not public: as if nobody were there
    assert call(server, "GET", f"{W}/stats/last_7_days")[0] == 401
    assert call(server, "GET", f"{card}&api_key={ann}")[0] == 200  # the key in the query
    assert "'public_stats': True" in admin(server.database_url, "set", "ann", "public_stats=true")
    status, body = call(server, "GET", card)
    assert status == 200 and body["data"]["total_seconds"] == 4500.0
    assert body["data"]["machines"] == []  # device names stay private
    status, body = call(server, "GET", "/api/v1/users/ann/stats?is_including_today=true")
    assert status == 200 and body["data"]["range"] == "last_7_days"  # the card's default
    assert call(server, "GET", card, key=bob)[1]["data"]["machines"] == []
    assert len(call(server, "GET", card, key=ann)[1]["data"]["machines"]) == 3
    assert call(server, "GET", "/api/v1/users/ann/summaries?range=Today")[0] == 401
    assert call(server, "GET", "/api/v1/users/nobody/stats/last_7_days")[0] == 404
    status, body = call(server, "POST", f"{W}/settings", key=ann, body={"public_stats": False})
    assert status == 200 and body["public_stats"] is False
    assert call(server, "GET", card)[0] == 404


def test_keys_are_uuid4(database_url):
    key = user_with_key(database_url, "cat")
    assert UUID4.match(key), key


def test_migration_adds_public_stats_and_device_os(database_url):
    """A database from before the columns gets them, with their defaults."""
    db = Database(database_url)
    db.migrate()
    for table, column in (("tf_user", "public_stats"), ("device", "os"),
                          ("tf_user", "show_achievements")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("INSERT INTO tf_user (name, timezone, weekly_email, leaderboard, "
               "daily_goal_minutes, created) VALUES ('old', 'UTC', FALSE, 'hidden', 120, 0)")
    db.execute("INSERT INTO device (id, \"user\", name, last_seen) VALUES ('d', 1, 'x', 0)")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'server_schema_version'")
    db.close()
    db = Database(database_url)
    db.migrate()
    assert db.execute("SELECT public_stats FROM tf_user").fetchone()[0] in (False, 0)
    assert db.execute("SELECT os FROM device").fetchone()[0] is None
    assert db.execute("SELECT value FROM meta WHERE key = 'server_schema_version'"
                      ).fetchone()[0] == str(len(STEPS))
    db.close()


def test_summaries_equal_for_a_past_range(served):
    """start/end far back (nothing there) and a range mixing both days."""
    server, ann, _, seconds = served
    today = datetime.now(ZoneInfo("UTC")).date()
    body = ok(server, f"{W}/summaries?start={today - timedelta(days=3)}&end={today}", ann)
    assert body["cumulative_total"]["seconds"] == pytest.approx(
        seconds["today"] + seconds["yesterday"])
    assert body["daily_average"]["days_minus_holidays"] == 2


def test_local_api_and_server_answer_alike(server_process, tmp_path):
    """The same spans on this machine and on the server: the same summaries, stats, durations
    and projects, to the microsecond (the two sides share only the shaping)."""
    from benchmarks.synthetic import day_spans
    from desktop.engine.api.shapes import system_os
    from desktop.engine.config import Config
    from desktop.engine.service import Engine
    from server.history import span_to_wire
    from tests.api.conftest import AwayPoller, send

    server = server_process.start()
    key = user_with_key(server.database_url, "ann")
    config = Config()
    config.api.port, config.focus.hosts_block = 0, False
    config.timezone, config.device_name = "UTC", "desk"
    engine = Engine(tmp_path / "home", config, poller=AwayPoller())
    today = datetime.now(ZoneInfo("UTC")).date()
    days = [today - timedelta(days=1), today - timedelta(days=3)]
    spans = [s for d in days for s in day_spans(d, engine.store.device)]
    engine.store.upsert_spans(spans)
    for i in range(0, len(spans), 2000):
        status, _ = call(server, "POST", "/api/sync/v1/push", key=key, body={
            "device": engine.store.device, "device_name": "desk", "os": system_os(),
            "spans": [span_to_wire(s, 1.0) for s in spans[i:i + 2000]]})
        assert status == 200
    engine.start()
    try:
        def both(path: str) -> tuple[Any, Any]:
            local = send(engine.api.port, "GET", W + path, key=engine.api.key)
            assert local.status == 200, local.body
            return local.json(), ok(server, W + path, key)

        for day in days:
            local, remote = both(f"/summaries?start={day}&end={day}")
            assert local["data"] == remote["data"] and local["data"][0]["grand_total"][
                "total_seconds"] > 3600
            for slice_by in ("project", "language", "editor", "category", "entity", "os",
                             "machine"):
                local, remote = both(f"/durations?date={day}&slice_by={slice_by}")
                assert local == remote, slice_by
        local, remote = both("/stats/last_7_days")
        for name in ("total_seconds", "daily_average", "best_day", "holidays", "categories",
                     "projects", "languages", "editors", "operating_systems", "machines",
                     "dependencies", "start", "end"):
            assert local["data"][name] == remote["data"][name], name
        local, remote = both("/projects")
        assert [{k: v for k, v in p.items() if not k.startswith("human")} for p in
                local["data"]] == [{k: v for k, v in p.items() if not k.startswith("human")}
                                   for p in remote["data"]]
        local, remote = both("/all_time_since_today")
        assert local["data"]["total_seconds"] == remote["data"]["total_seconds"]
    finally:
        engine.stop()
