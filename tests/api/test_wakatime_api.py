"""WakaTime's endpoints over real sockets: response shapes, reading back, merging, the client."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from desktop.engine.api.client import ApiClient, ApiClientError, ApiUnavailable
from desktop.engine.span import Span
from watchers.browsers import url_providers
from watchers.inference import infer
from watchers.observation import Observation
from watchers.window.base import WindowInfo

PREFIX = "/api/v1/users/current"
VIM = "wakatime/13.1.0 (Linux-6.1.0-x86_64) Python3.11.7.final.0 vim/9.0 vim-wakatime/10.0"
DURATION_KEYS = {"total_seconds", "text", "digital", "decimal", "hours", "minutes", "seconds"}


def today_start(running) -> float:
    tz = running.engine.config.zone()
    return datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def beats_at(t0: float, project: str = "shop") -> list[dict]:
    """Ten minutes on two files, a heartbeat a minute, numbers partly as strings."""
    return [{"entity": f"/src/{project}/{'a' if i < 6 else 'b'}.py", "type": "file",
             "time": str(t0 + 60 * i), "project": project, "branch": "main",
             "language": "Python", "lineno": str(i + 1), "is_write": i % 3 == 0,
             "line_additions": 2, "line_deletions": "1"} for i in range(11)]


@pytest.fixture
def t0(running) -> float:
    """A start time today, at least an hour ago when the day allows."""
    return max(today_start(running) + 60, time.time() - 3600)


def test_single_and_bulk_shapes(running, t0):
    one = running.call("POST", f"{PREFIX}/heartbeats", beats_at(t0)[0],
                       headers={"User-Agent": VIM})
    assert one.status == 201
    data = one.json()["data"]
    assert data["entity"] == "/src/shop/a.py" and data["lineno"] == 1 and data["id"]
    assert data["time"] == pytest.approx(t0) and data["user_agent"] == VIM

    bulk = running.call("POST", f"{PREFIX}/heartbeats.bulk", [*beats_at(t0)[1:], {"time": 1}],
                        headers={"User-Agent": VIM})
    assert bulk.status == 201
    responses = bulk.json()["responses"]
    assert [status for _, status in responses] == [201] * 10 + [400]
    assert all(body["data"]["id"] for body, _ in responses[:10])
    assert responses[10][0]["field"] == "[10].entity"

    again = running.call("POST", f"{PREFIX}/heartbeats.bulk", beats_at(t0)[1:],
                         headers={"User-Agent": VIM})
    assert [status for _, status in again.json()["responses"]] == [202] * 10  # duplicates

    spans = sorted(running.spans(), key=lambda s: s.start)
    assert [(s.file, round(s.end - s.start)) for s in spans] == [("/src/shop/a.py", 360),
                                                                 ("/src/shop/b.py", 240)]
    assert {(s.source, s.editor, s.branch, s.language) for s in spans} == {
        ("editor", "Vim", "main", "Python")}
    assert [(s.lines_added, s.lines_deleted) for s in spans] == [(12, 6), (10, 5)]


def test_statusbar_summaries_and_today(running, t0):
    running.call("POST", f"{PREFIX}/heartbeats.bulk", beats_at(t0), headers={"User-Agent": VIM})
    bar = running.call("GET", f"{PREFIX}/statusbar/today")
    assert bar.status == 200
    data = bar.json()["data"]
    assert set(data["grand_total"]) >= DURATION_KEYS
    assert data["grand_total"]["total_seconds"] == pytest.approx(600, abs=1)
    assert data["grand_total"]["text"] == "10 mins" and data["grand_total"]["digital"] == "0:10"
    assert [(c["name"], c["text"]) for c in data["categories"]] == [("Coding", "10 mins")]
    assert [p["name"] for p in data["projects"]] == ["shop"]
    assert [e["name"] for e in data["editors"]] == ["Vim"]
    assert [lang["name"] for lang in data["languages"]] == ["Python"]
    assert [b["name"] for b in data["branches"]] == ["main"]
    assert {e["name"] for e in data["entities"]} == {"/src/shop/a.py", "/src/shop/b.py"}
    assert data["projects"][0]["percent"] == 100.0
    assert data["range"]["text"] == "Today" and data["range"]["date"]
    for key in ("operating_systems", "machines", "dependencies"):
        assert isinstance(data[key], list)

    day = datetime.fromtimestamp(t0, running.engine.config.zone()).date()
    summ = running.call("GET", f"{PREFIX}/summaries?start={day - timedelta(days=2)}&end={day}")
    assert summ.status == 200
    body = summ.json()
    assert [d["range"]["date"] for d in body["data"]] == [
        str(day - timedelta(days=2)), str(day - timedelta(days=1)), str(day)]
    assert [d["grand_total"]["total_seconds"] for d in body["data"]][:2] == [0, 0]
    assert body["cumulative_total"]["seconds"] == pytest.approx(600, abs=1)
    average = body["daily_average"]  # WakaTime's: days without time are holidays
    assert average["seconds"] == pytest.approx(600, abs=1)
    assert (average["holidays"], average["days_including_holidays"],
            average["days_minus_holidays"]) == (2, 3, 1)
    assert body["start"] < body["end"]
    week = running.call("GET", f"{PREFIX}/summaries?range=Last%207%20Days").json()
    assert len(week["data"]) == 7 and week["data"][-1]["range"]["text"] == "Today"
    only = running.call("GET", f"{PREFIX}/summaries?start=today&end=today&project=nope").json()
    assert only["cumulative_total"]["seconds"] == 0
    bad = running.call("GET", f"{PREFIX}/summaries?start=2024-13-01&end=today")
    assert bad.status == 400 and bad.json()["field"] == "start"

    text = running.call("GET", "/today")
    assert text.status == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.body.decode() == "10 mins\n"


def test_editor_heartbeats_win_over_the_window_without_double_counting(running, t0):
    window = Span(t0 - 120, t0 + 900, source="window", device=running.engine.store.device,
                  app="xterm", title="vim a.py", project="guessed")
    running.engine.store.upsert_spans([window])
    running.call("POST", f"{PREFIX}/heartbeats.bulk", beats_at(t0), headers={"User-Agent": VIM})
    tz = running.engine.config.zone()
    start = datetime.fromtimestamp(t0 - 3600, tz)
    summary = running.engine.analytics.summary(start, start + timedelta(hours=3), by="project")
    assert summary.total_seconds == pytest.approx(1020, abs=1)  # the window's span, once
    assert {i.name: round(i.seconds) for i in summary.items} == {"shop": 600, "guessed": 420}


def test_browser_tab_feeds_spans_and_the_window_watchers_url_seam(running):
    tab = {"url": "https://github.com/timeforged/timeforged/pulls", "title": "Pull requests",
           "browser": "chromium", "audible": False, "incognito": False, "focused": True}
    assert running.engine.api.tabs in url_providers()
    first = running.call("POST", "/api/v1/browser/tab", tab)
    assert first.status == 201 and first.json()["data"]["site"] == "github.com"
    window = WindowInfo(app="chromium", title="Pull requests - Chromium", wm_class="chromium")
    seen = infer(Observation(time=time.time(), app="chromium", title=window.title), window)
    assert (seen.url, seen.site) == (tab["url"], "github.com")
    time.sleep(1.1)
    running.call("POST", "/api/v1/browser/tab", tab)
    time.sleep(0.5)
    assert running.call("POST", "/api/v1/browser/tab", {**tab, "focused": False}).json()[
        "data"] == {"tracking": False}
    (span,) = running.spans()
    assert (span.source, span.url, span.site, span.browser) == (
        "browser", tab["url"], "github.com", "Chromium")
    assert span.end - span.start == pytest.approx(1.6, abs=0.3)

    private = running.call("POST", "/api/v1/browser/tab", {
        "incognito": True, "url": "https://secret.example/", "title": "secret",
        "browser": "chromium"})
    assert private.status == 201 and private.json()["data"]["site"] is None
    time.sleep(0.3)
    running.call("POST", "/api/v1/browser/tab", {"incognito": True, "browser": "chromium"})
    secret = [s for s in running.spans() if s.private]
    assert secret and all(s.url is None and s.site is None and "secret" not in (s.title or "")
                          for s in secret)
    for body, field in [({**tab, "url": "javascript:alert(1)"}, "url"),
                        ({**tab, "audible": "yes"}, "audible"), ({**tab, "url": None}, "url"),
                        ({**tab, "idle": "asleep"}, "idle")]:
        reply = running.call("POST", "/api/v1/browser/tab", body)
        assert reply.status == 400 and reply.json()["field"] == field


def test_focus_state_without_focus_mode(running):
    reply = running.call("GET", "/api/v1/focus")
    assert reply.status == 200 and reply.json() == {"data": {"active": False}}


def test_client(running):
    client = ApiClient(running.port, running.key)
    assert client.get(f"{PREFIX}/statusbar/today")["data"]["grand_total"]["total_seconds"] == 0
    assert client.get("/today") == "0 secs\n"
    with pytest.raises(ApiClientError) as err:
        client.post(f"{PREFIX}/heartbeats", {"entity": "/a.py", "time": "never"})
    assert (err.value.status, err.value.field) == (400, "time")
    with pytest.raises(ApiClientError) as err:
        ApiClient(running.port, "00000000-0000-4000-8000-000000000000").get("/today")
    assert err.value.status == 401
    home_client = ApiClient.for_home(running.home)
    assert home_client.key == running.key
    port, key = running.port, running.key
    running.engine.stop()
    with pytest.raises(ApiUnavailable, match="not running"):
        ApiClient(port, key, timeout=2).get("/today")
