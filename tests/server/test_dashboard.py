"""The web dashboard against a real server process (SQLite and PostgreSQL): its server-rendered
figures equal /summaries' for every range, every filter and combinations of them, over two
synced desktops and the real WakaTime CLI's heartbeats; one user never sees another's."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from server.dashboard.queries import RANGES
from tests.server.conftest import ServerProcess, admin, user_with_key
from tests.server.dashboard_data import (
    HOUR,
    NoRedirect,
    api_figures,
    assert_same,
    code_span,
    fill,
    get,
    login,
    options,
    page_figures,
)
from tests.server.helpers import Api, span

FILTERS = ("project", "language", "editor", "os", "machine", "branch")


def _page(url: str, cookie: str, **params: str) -> str:
    status, html = get(f"{url}/dashboard?{urllib.parse.urlencode(params)}", {"Cookie": cookie})
    assert status == 200, html[:500]
    return html


def _check(url: str, key: str, cookie: str, **params: str) -> dict:
    page = page_figures(_page(url, cookie, **params))
    filters = {k: v for k, v in params.items() if k in FILTERS}
    api = api_figures(url, key, page["first"], page["last"], filters)
    assert_same(page, api, params)
    return page


@pytest.mark.timeout(600)
def test_dashboard_figures_equal_the_api(server_process, wakatime_cli, tmp_path):
    server = server_process.start()
    zone = "Asia/Kolkata"  # +05:30: her days do not begin at the server's midnight
    admin(server.database_url, "create-user", "ann", "--timezone", zone)
    key = admin(server.database_url, "create-key", "ann").strip()
    fill(server.url, key, tmp_path, wakatime_cli)
    cookie = login(server.url, key)

    today = datetime.now(ZoneInfo(zone)).date()
    seen = {}
    for name in RANGES:
        extra = {"from": (today - timedelta(days=50)).isoformat(),
                 "to": (today - timedelta(days=5)).isoformat()} if name == "custom" else {}
        seen[name] = _check(server.url, key, cookie, range=name, **extra)
    assert seen["today"]["first"] == seen["today"]["last"] == today.isoformat()
    assert seen["this_year"]["first"] == f"{today.year}-01-01"
    assert seen["custom"]["first"] == (today - timedelta(days=50)).isoformat()
    last_30 = seen["last_30_days"]
    assert last_30["total"] > 0 and last_30["lists"]["sites"]  # browsing counts too
    assert {"desk", "laptop", "devbox"} <= set(last_30["lists"]["machines"])
    assert {"alpha", "beta", "webshop"} <= set(last_30["lists"]["projects"])

    # every value of every filter, alone, on two ranges; then pairs of filters
    html = _page(server.url, cookie, range="this_year")
    choices = {f: options(html, f) for f in FILTERS}
    assert all(choices.values()), choices
    checked = 0
    for range_name in ("last_30_days", "this_year"):
        for f, values in choices.items():
            for value in values:
                page = _check(server.url, key, cookie, range=range_name, **{f: value})
                checked += page["total"] > 0
    assert checked >= sum(map(len, choices.values()))  # each value has time in the year
    for (f1, v1s), (f2, v2s) in itertools.combinations(choices.items(), 2):
        _check(server.url, key, cookie, range="this_year", **{f1: v1s[0], f2: v2s[-1]})
    _check(server.url, key, cookie, range="last_30_days", project="alpha", language="Python",
           editor="vscode", machine="desk", branch="main")

    # the project page: its files and branches add up to its total on the dashboard
    status, html = get(f"{server.url}/dashboard/project/alpha?range=this_year",
                       {"Cookie": cookie})
    assert status == 200
    project = page_figures(html)
    assert project["total"] == pytest.approx(
        seen["this_year"]["lists"]["projects"]["alpha"], abs=0.01)
    assert sum(project["lists"]["entities"].values()) == pytest.approx(project["total"],
                                                                       abs=0.01)
    assert set(project["lists"]["branches"]) == {"main", "fix/db"}
    assert "/src/alpha/db.py" in project["lists"]["entities"]


def test_dashboard_refuses_bad_input_clearly(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    cookie = login(server.url, key)
    for query, message in (("range=forever", "range: unknown range"),
                           ("range=custom&from=2026-05-01&to=2026-04-01", "to: before start"),
                           ("range=custom&from=nope&to=2026-04-01", "from: expected YYYY-MM-DD"),
                           ("range=custom&from=2026-04-01", "range=custom needs both dates"),
                           ("range=custom&from=2020-01-01&to=2026-04-01", "at most 400 days")):
        status, html = get(f"{server.url}/dashboard?{query}", {"Cookie": cookie})
        assert status == 400 and message in html, (query, html[-600:])
    status, html = get(f"{server.url}/dashboard?project=%3Cscript%3E", {"Cookie": cookie})
    assert status == 200 and "<script>" not in html and "&lt;script&gt;" in html


def test_one_user_never_sees_anothers_dashboard(server_process, tmp_path):
    server = server_process.start()
    ann_key = user_with_key(server.database_url, "ann")
    bob_key = user_with_key(server.database_url, "bob")
    store = Store(tmp_path / "ann.sqlite3")  # three hours ago: in the last 7 days at any hour
    store.upsert_spans([code_span(time.time() - 3 * HOUR, 30, "secret-project", "Python",
                              "vscode", "main", "/src/secret/plan.py")])
    Syncer(store, server.url, key=ann_key, device_name="ann-desk").sync_once()
    store.close()

    ann, bob = login(server.url, ann_key), login(server.url, bob_key)
    mine = _page(server.url, ann, range="last_7_days")
    assert "secret-project" in mine and "ann-desk" in mine
    theirs = _page(server.url, bob, range="last_7_days")
    assert "secret-project" not in theirs and "ann-desk" not in theirs
    assert page_figures(theirs)["total"] == 0
    status, html = get(f"{server.url}/dashboard/project/secret-project?range=last_7_days",
                       {"Cookie": bob})
    assert status == 200 and "plan.py" not in html and page_figures(html)["total"] == 0
    # filtering by ann's names shows bob nothing of hers either
    status, html = get(f"{server.url}/dashboard?range=last_7_days&machine=ann-desk",
                       {"Cookie": bob})
    assert page_figures(html)["total"] == 0 and "plan.py" not in html
    # nobody signed in, or a forged cookie: sent to log in, nothing shown
    for headers in ({}, {"Cookie": "tf_session=[1,9999999999]|" + "0" * 64}):
        req = urllib.request.Request(f"{server.url}/dashboard", headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(req, timeout=30)
        assert caught.value.code == 303 and caught.value.headers["location"] == "/"


def test_an_operating_system_learnt_later_shows_at_once(tmp_path):
    """A device's OS told after its day was digested (a later push, a plugin's User-Agent):
    the page names it as the API does, though the day itself was not recomputed."""
    api = Api(f"sqlite:///{tmp_path}/server.sqlite3")
    try:
        _, headers = api.user("ann")
        now = time.time()
        push = {"device": "dev-1", "device_name": "desk", "spans": [span(
            now - 2 * HOUR, now - HOUR, "dev-1", app="code", project="alpha")]}
        assert api.client.post("/api/sync/v1/push", json=push, headers=headers).is_success
        api.client.post("/login", data={"key": headers["Authorization"].split()[1]})
        before = page_figures(api.client.get("/dashboard?range=last_7_days").text)
        assert before["lists"]["operating_systems"] == {"Unknown": 3600.0}
        told = {"device": "dev-1", "device_name": "desk", "os": "Linux", "spans": []}
        assert api.client.post("/api/sync/v1/push", json=told, headers=headers).is_success
        after = page_figures(api.client.get("/dashboard?range=last_7_days").text)
        assert after["lists"]["operating_systems"] == {"Linux": 3600.0}
        filtered = page_figures(api.client.get("/dashboard?range=last_7_days&os=Linux").text)
        assert filtered["total"] == 3600.0
    finally:
        api.close()


def test_new_time_on_a_digested_day_shows_at_once(tmp_path):
    """A day digested, then more time on it (a push, heartbeats, an edit): the day is
    recomputed with a new stamp and the page follows, equal to the API."""
    api = Api(f"sqlite:///{tmp_path}/server.sqlite3")
    try:
        _, headers = api.user("ann")
        api.client.post("/login", data={"key": headers["Authorization"].split()[1]})
        now = time.time()
        first = span(now - 3 * HOUR, now - 2 * HOUR, "dev-1", app="code", project="alpha")
        later = span(now - 2 * HOUR, now - 1.5 * HOUR, "dev-1", app="code", project="beta")
        for spans, expected in (([first], {"alpha": 3600.0}),
                                ([later], {"alpha": 3600.0, "beta": 1800.0})):
            push = {"device": "dev-1", "device_name": "desk", "spans": spans}
            assert api.client.post("/api/sync/v1/push", json=push, headers=headers).is_success
            html = api.client.get("/dashboard?range=last_7_days").text
            page = page_figures(html)
            assert page["lists"]["projects"] == expected
            body = api.client.get(f"/api/v1/users/current/summaries?start={page['first']}"
                                  f"&end={page['last']}", headers=headers).json()
            assert page["total"] == body["cumulative_total"]["seconds"]
    finally:
        api.close()


@pytest.mark.timeout(180)
def test_a_day_another_process_recomputed_shows_at_once(pg_cluster, tmp_path):
    """Two server processes on one PostgreSQL: the first digests a day, the second takes new
    time for it and recomputes it; the first's page follows (the stamp is in the database)."""
    url = pg_cluster.create_database("dash_two_processes")
    key = user_with_key(url)
    one = ServerProcess(url, tmp_path / "one.log", jobs_interval_seconds="0").start()
    two = ServerProcess(url, tmp_path / "two.log", jobs_interval_seconds="0").start()
    try:
        cookie = login(one.url, key)
        now = time.time()
        bearer = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for server, project, expected in ((one, "alpha", {"alpha": 3600.0}),
                                          (two, "beta", {"alpha": 3600.0, "beta": 1800.0})):
            start = now - (3 if project == "alpha" else 2) * HOUR
            body = {"device": "dev-1", "device_name": "desk", "spans": [span(
                start, start + expected[project], "dev-1", app="code", project=project)]}
            req = urllib.request.Request(f"{server.url}/api/sync/v1/push", method="POST",
                                         data=json.dumps(body).encode(), headers=bearer)
            urllib.request.urlopen(req, timeout=30).close()
            # the writing process brings the day current (recomputes it) itself
            assert get(f"{server.url}/api/v1/users/current/summaries?range=today", bearer)[0] \
                == 200
            page = page_figures(_page(one.url, cookie, range="last_7_days"))
            assert page["lists"]["projects"] == expected
    finally:
        one.stop()
        two.stop()


def test_a_start_digests_the_busiest_users_year_ahead(tmp_path):
    """Digests.warm (run by a process that runs the jobs, at its start) leaves the recent
    days of users with recent time digested, stops when told, and the page drawn from them
    equals the API."""
    import threading

    from server.models import User

    api = Api(f"sqlite:///{tmp_path}/server.sqlite3")
    try:
        _, headers = api.user("ann")
        api.user("idle")  # no time: nothing to digest
        today = datetime.now(ZoneInfo("UTC")).replace(hour=12, minute=0, second=0,
                                                       microsecond=0).timestamp()
        push = {"device": "dev-1", "device_name": "desk", "spans": [
            span(today - 24 * HOUR, today - 23 * HOUR, "dev-1", app="code", project="alpha"),
            span(today - 72 * HOUR, today - 71 * HOUR, "dev-1", app="code", project="beta")]}
        assert api.client.post("/api/sync/v1/push", json=push, headers=headers).is_success
        api.app.state.tf.history.refresh(User.get(User.name == "ann"))
        digests = api.app.state.tf.digests
        stopped = threading.Event()
        stopped.set()
        digests.warm(stopped)
        assert not digests._days
        digests.warm(threading.Event())
        ann = User.get(User.name == "ann").id
        assert {user for user, _ in digests._days} == {ann} and len(digests._days) == 2
        api.client.post("/login", data={"key": headers["Authorization"].split()[1]})
        page = page_figures(api.client.get("/dashboard?range=last_7_days").text)
        body = api.client.get(f"/api/v1/users/current/summaries?start={page['first']}"
                              f"&end={page['last']}", headers=headers).json()
        assert page["total"] == body["cumulative_total"]["seconds"] == 2 * 3600.0
    finally:
        api.close()
