"""The server's API on SQLite and on PostgreSQL: keys, limits, sync rules, WakaTime shapes,
leaderboard, login, health and metrics."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.db import Database
from server.jobs import leaderboard
from server.models import ApiKey
from tests.server.helpers import Api, span


@pytest.fixture
def api(database_url):
    api = Api(database_url)
    yield api
    api.close()


def _noon(days_ago: int = 0) -> float:
    day = datetime.now(ZoneInfo("UTC")).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("UTC")).timestamp()


def test_keys_hashed_and_required(api):
    _, headers = api.user("ann")
    key = headers["Authorization"].split()[1]
    assert not ApiKey.select().where(ApiKey.key_hash == key).exists()  # only the hash
    assert api.client.get("/api/sync/v1/hello").status_code == 401
    assert api.client.get("/api/sync/v1/hello",
                          headers={"Authorization": "Bearer " + str(uuid.uuid4())}
                          ).status_code == 401
    basic = base64.b64encode(key.encode()).decode()  # WakaTime plugins' way
    assert api.client.get("/api/sync/v1/hello", headers={"Authorization": f"Basic {basic}"}
                          ).json()["user"] == "ann"
    ApiKey.update(revoked=True).execute()
    api.app.state.tf.keys.forget()
    assert api.client.get("/api/sync/v1/hello", headers=headers).status_code == 401


def test_rate_limit_429_with_retry_after(database_url):
    api = Api(database_url, rate_per_second=1.0, rate_burst=3)
    _, headers = api.user("ann")
    codes = [api.client.get("/api/sync/v1/hello", headers=headers) for _ in range(5)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    assert int(codes[-1].headers["Retry-After"]) >= 1
    _, other = api.user("bob")  # per key
    assert api.client.get("/api/sync/v1/hello", headers=other).status_code == 200
    api.close()


def test_push_idempotent_versions_and_ownership(api):
    _, ann = api.user("ann")
    _, bob = api.user("bob")
    dev = str(uuid.uuid4())
    spans = [span(_noon() + i * 100, _noon() + i * 100 + 60, dev, project="p") for i in range(5)]
    push = {"device": dev, "spans": spans, "deletions": []}
    assert api.client.post("/api/sync/v1/push", json=push, headers=ann).json()["written"] == 5
    again = api.client.post("/api/sync/v1/push", json=push, headers=ann).json()
    assert again["written"] == 0 and again["unchanged"] == 5
    older = {**spans[0], "end": spans[0]["end"] + 500, "updated": spans[0]["updated"] - 10}
    newer = {**spans[1], "end": spans[1]["end"] + 30, "updated": spans[1]["updated"] + 10}
    result = api.client.post("/api/sync/v1/push", json={"device": dev, "spans": [older, newer]},
                             headers=ann).json()
    assert result["written"] == 1 and result["unchanged"] == 1
    pulled = api.client.get("/api/sync/v1/pull", params={"cursor": 0}, headers=ann).json()
    ends = {c["span"]["uuid"]: c["span"]["end"] for c in pulled["changes"]}
    assert ends[spans[0]["uuid"]] == spans[0]["end"] and ends[spans[1]["uuid"]] == newer["end"]
    assert len(ends) == 5
    # Bob can neither use Ann's device nor overwrite her spans by uuid.
    assert api.client.post("/api/sync/v1/push", json=push, headers=bob).status_code == 403
    bob_dev = str(uuid.uuid4())
    stolen = {**spans[2], "device": bob_dev, "updated": time.time() + 100}
    result = api.client.post("/api/sync/v1/push", json={"device": bob_dev, "spans": [stolen]},
                             headers=bob).json()
    assert result["refused"] == 1
    assert api.client.get("/api/sync/v1/pull", headers=bob).json()["changes"] == []


def test_pull_cursor_pages(api):
    _, ann = api.user("ann")
    dev = str(uuid.uuid4())
    spans = [span(_noon() + i * 10, _noon() + i * 10 + 5, dev) for i in range(25)]
    api.client.post("/api/sync/v1/push", json={"device": dev, "spans": spans}, headers=ann)
    seen, cursor = [], 0
    while True:
        page = api.client.get("/api/sync/v1/pull", params={"cursor": cursor, "limit": 10},
                              headers=ann).json()
        seen += [c["span"]["uuid"] for c in page["changes"]]
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert seen == [s["uuid"] for s in spans]


@pytest.mark.parametrize("bad", [
    {"start": "x"}, {"end": -5}, {"uuid": "nope"}, {"start": float("inf")},
    {"keystrokes": -1}, {"app": 5}, {"private": "yes"}, {"end": 1.0}, {"device": ""},
])
def test_push_rejects_garbage(api, bad):
    _, ann = api.user("ann")
    dev = str(uuid.uuid4())
    good = span(_noon(), _noon() + 60, dev)
    body = {"device": dev, "spans": [good, {**good, "uuid": str(uuid.uuid4()), **bad}]}
    response = api.client.post("/api/sync/v1/push", content=_json(body), headers=ann)
    assert response.status_code in (400, 422)
    assert api.client.get("/api/sync/v1/pull", headers=ann).json()["changes"] == []


def _json(body):
    import json

    return json.dumps(body, allow_nan=True).encode()


def test_heartbeats_and_summaries(api):
    _, ann = api.user("ann")
    t0 = _noon(1)
    beats = [{"entity": "/src/a.py", "time": t0 + i * 60, "project": "alpha",
              "language": "Python", "type": "file"} for i in range(11)]
    beats += [{"entity": "/src/b.rs", "time": t0 + 660 + i * 60, "project": "beta",
               "language": "Rust"} for i in range(6)]
    r = api.client.post("/api/v1/users/current/heartbeats.bulk", json=beats[:-1],
                        headers={**ann, "User-Agent": "wakatime/13.1.0 (Linux) vim-wakatime/9"})
    assert r.status_code == 201 and all(s == 201 for _, s in r.json()["responses"])
    r = api.client.post("/api/v1/users/current/heartbeats", json=beats[-1], headers=ann)
    assert r.status_code == 201
    bad = api.client.post("/api/v1/users/current/heartbeats", json={"entity": "x"}, headers=ann)
    assert bad.status_code == 400 and "time" in bad.text
    today = date.fromtimestamp(t0)
    r = api.client.get("/api/v1/users/current/summaries",
                       params={"start": today.isoformat(), "end": today.isoformat()},
                       headers=ann).json()
    day = r["data"][0]
    assert day["grand_total"]["total_seconds"] == 960.0  # 16 gaps of a minute
    assert {p["name"]: p["total_seconds"] for p in day["projects"]} == {
        "alpha": 660.0, "beta": 300.0}
    assert [p["name"] for p in day["editors"]] == ["Vim"]
    stats = api.client.get("/api/v1/users/current/stats/last_7_days", headers=ann).json()
    assert stats["data"]["total_seconds"] == 960.0
    assert stats["data"]["languages"][0]["name"] == "Python"
    bar = api.client.get("/api/v1/users/current/statusbar/today", headers=ann).json()
    assert bar["data"]["range"]["text"] == "Today" and "grand_total" in bar["data"]
    assert api.client.get("/api/v1/users/current/stats/forever", headers=ann).status_code == 400


def test_deletion_applies_and_propagates(api):
    _, ann = api.user("ann")
    dev = str(uuid.uuid4())
    t0 = _noon()
    whole = span(t0, t0 + 3600, dev, project="alpha")
    api.client.post("/api/sync/v1/push", json={"device": dev, "spans": [whole]}, headers=ann)
    deletion = {"uuid": str(uuid.uuid4()), "device": dev, "start": t0 + 600,
                "end": t0 + 1200, "created": time.time()}
    r = api.client.post("/api/sync/v1/push", json={"device": dev, "deletions": [deletion]},
                        headers=ann).json()
    assert r["deletions"] == 1
    again = api.client.post("/api/sync/v1/push", json={"device": dev, "deletions": [deletion]},
                            headers=ann).json()
    assert again["deletions"] == 0
    changes = api.client.get("/api/sync/v1/pull", headers=ann).json()["changes"]
    assert [c["deletion"]["uuid"] for c in changes if "deletion" in c] == [deletion["uuid"]]
    pieces = sorted((c["span"]["start"], c["span"]["end"]) for c in changes if "span" in c)
    assert pieces == [(t0, t0 + 600), (t0 + 1200, t0 + 3600)]
    day = date.fromtimestamp(t0).isoformat()
    total = api.client.get("/api/v1/users/current/summaries", params={"start": day, "end": day},
                           headers=ann).json()["cumulative_total"]["seconds"]
    assert total == 3000.0


def test_leaderboard_opt_in_anonymous_and_escaped(api):
    _, ann = api.user("<script>ann</script>", leaderboard="public")
    _, bob = api.user("bob", leaderboard="anonymous")
    _, eve = api.user("eve")  # hidden by default
    for headers, n in ((ann, 10), (bob, 5), (eve, 20)):
        beats = [{"entity": "/x.py", "time": _noon(1) + i * 60, "language": "Py<thon>"}
                 for i in range(n + 1)]
        api.client.post("/api/v1/users/current/heartbeats.bulk", json=beats, headers=headers)
    assert api.client.get("/api/v1/leaders").json()["data"] == []  # until the job runs
    leaderboard(api.app.state.tf.history, api.app.state.tf.reports, fresh=True)
    board = api.client.get("/api/v1/leaders").json()["data"]
    assert [(r["rank"], r["total_seconds"]) for r in board] == [(1, 600.0), (2, 300.0)]
    assert board[0]["user"] == "<script>ann</script>" and board[1]["user"].startswith("anonymous")
    assert "eve" not in str(board)
    page = api.client.get("/").text
    assert "<script>ann" not in page and "&lt;script&gt;ann&lt;/script&gt;" in page
    assert "Py&lt;thon&gt;" in page
    # Login with the key: an HttpOnly, SameSite=Strict session cookie; then her own week.
    key = ann["Authorization"].split()[1]
    r = api.client.post("/login", data={"key": key}, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert r.status_code == 303 and "HttpOnly" in cookie and "SameSite=strict" in cookie
    mine = api.client.get("/").text
    assert "/dashboard" in mine and "Log out" in mine
    api.client.cookies.clear()
    api.client.cookies.set("tf_session", "[1,9999999999]|" + "0" * 64)  # forged
    assert "Log out" not in api.client.get("/").text
    bad = api.client.post("/login", data={"key": "nope"}, follow_redirects=False)
    assert bad.headers["location"] == "/?error=1" and "set-cookie" not in bad.headers


def test_settings_opt_in(api):
    _, ann = api.user("ann")
    r = api.client.post("/api/v1/users/current/settings", headers=ann,
                        json={"weekly_email": True, "leaderboard": "anonymous",
                              "email": "ann@example.org"})
    assert r.json()["weekly_email"] is True and r.json()["leaderboard"] == "anonymous"
    assert api.client.post("/api/v1/users/current/settings", headers=ann,
                           json={"leaderboard": "everyone"}).status_code == 400


def test_health_metrics_openapi(api):
    assert api.client.get("/healthz").json()["status"] == "ok"
    api.client.get("/api/sync/v1/hello")
    metrics = api.client.get("/metrics").text
    assert 'timeforged_requests_total{route="/api/sync/v1/hello",status="401"}' in metrics
    spec = api.client.get("/openapi.json").json()
    assert {"/api/sync/v1/push", "/api/sync/v1/pull", "/api/v1/users/current/heartbeats.bulk",
            "/api/v1/users/{user}/summaries", "/healthz"} <= set(spec["paths"])


def test_job_lock_runs_once(database_url):
    one, two = Database(database_url), Database(database_url)
    one.migrate()
    with one.job_lock("rollups") as got_one:
        if one.postgres:  # another process (connection) is refused while it is held
            with two.job_lock("rollups") as got_two:
                assert got_one and not got_two
        else:
            with one.job_lock("rollups") as again:
                assert got_one and not again
    with two.job_lock("rollups") as got:
        assert got
    one.close()
    two.close()


def test_stats_summed_in_sql_match_the_days(api):
    """stats/* sums the rollups in the database; the same numbers as adding up the days of
    summaries, for all devices and for one."""
    _, ann = api.user("ann")
    devs = [str(uuid.uuid4()), str(uuid.uuid4())]
    spans = [span(_noon(d) + i * 900 - 3 * 3600 * (k % 2), _noon(d) + i * 900 + 600, devs[k],
                  project=f"p{i % 3}", language=("Python", "Rust")[(i + k) % 2],
                  app="code", editor="VS Code")
             for d in range(0, 20, 3) for i in range(6) for k in (0, 1)]
    for dev in devs:
        body = {"device": dev, "spans": [s for s in spans if s["device"] == dev]}
        assert api.client.post("/api/sync/v1/push", json=body, headers=ann).status_code == 200
    def compare() -> float:
        for device in (None, devs[1]):
            params = {"device": device} if device else {}
            stats = api.client.get("/api/v1/users/current/stats/last_30_days", params=params,
                                   headers=ann).json()["data"]
            days = api.client.get("/api/v1/users/current/summaries",
                                  params={"range": "last 30 days", **params}, headers=ann).json()
            assert stats["total_seconds"] == pytest.approx(days["cumulative_total"]["seconds"])
            langs: dict[str, float] = {}
            for day in days["data"]:
                for item in day["languages"]:
                    langs[item["name"]] = langs.get(item["name"], 0) + item["total_seconds"]
            assert {x["name"]: x["total_seconds"] for x in stats["languages"]} == \
                pytest.approx(langs)
            best = max(days["data"], key=lambda d: d["grand_total"]["total_seconds"])
            assert stats["best_day"]["date"] == best["range"]["date"]
            assert len(stats["machines"]) == (1 if device else 2)
        return stats["total_seconds"]

    before = compare()
    # A deletion across a week boundary: the days and their weeks recomputed alike.
    gone = {"uuid": str(uuid.uuid4()), "device": devs[1], "start": _noon(12) - 86400,
            "end": _noon(6), "created": time.time()}
    assert api.client.post("/api/sync/v1/push", json={"device": devs[1], "deletions": [gone]},
                           headers=ann).json()["deletions"] == 1
    assert compare() < before


def test_migration_fills_weeks_and_day_totals(database_url):
    """A database from before the weekly rollups gets them from its day rollups."""
    db = Database(database_url)
    db.migrate()
    db.execute("DELETE FROM user_week")
    db.execute("DELETE FROM user_day_total")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'server_schema_version'")
    day = date(2026, 3, 1).toordinal()  # a Sunday: its week ends there
    rows = [(1, day + d, a, 1, 100.0 * (d + 1)) for d in range(3) for a in (1, 2)]
    db.many('INSERT INTO user_day ("user", day, activity, origin, seconds) VALUES %s', rows)
    db.migrate()
    weeks = sorted(db.execute('SELECT week, activity, seconds FROM user_week').fetchall())
    w = (day - 1) // 7
    assert weeks == [(w, 1, 100.0), (w, 2, 100.0), (w + 1, 1, 500.0), (w + 1, 2, 500.0)]
    assert sorted(db.execute("SELECT day, seconds FROM user_day_total").fetchall()) == [
        (day, 200.0), (day + 1, 400.0), (day + 2, 600.0)]
    db.close()
