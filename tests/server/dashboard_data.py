"""What the dashboard tests show and read: two desktops' histories synced to a real server (the
desktop's own Syncer), the real WakaTime CLI's heartbeats, and the page's figures and the
API's for the same range and filters."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from tests.wakatime_cli import git_project, waka

HOUR = 3600.0
# The lists the page and the summaries both have; filter -> summaries' parameter.
LISTS = ("projects", "languages", "editors", "operating_systems", "machines", "branches",
         "categories")
API_FILTERS = {"project": "project", "language": "language", "editor": "editor",
               "os": "operating_system", "machine": "machine", "branch": "branches"}


def code_span(start: float, minutes: float, project: str, language: str, editor: str,
          branch: str, file: str) -> Span:
    return Span(start, start + minutes * 60, app="code", project=project, language=language,
                editor=editor, branch=branch, file=file)


def fill(url: str, key: str, tmp: Path, wakatime_cli: Path) -> None:
    """Ann's history: a desk and a laptop synced, and a plugin's heartbeats from a third
    machine, spread over today, the last days and months back."""
    now = time.time()
    desk, laptop = Store(tmp / "desk.sqlite3"), Store(tmp / "laptop.sqlite3")
    desk.upsert_spans([
        code_span(now - 2 * HOUR, 40, "alpha", "Python", "vscode", "main", "/src/alpha/app.py"),
        code_span(now - 26 * HOUR, 60, "alpha", "Python", "vscode", "main", "/src/alpha/db.py"),
        code_span(now - 74 * HOUR, 90, "alpha", "Python", "vscode", "fix/db", "/src/alpha/db.py"),
        code_span(now - 35 * 24 * HOUR, 30, "alpha", "Python", "vscode", "main",
                  "/src/alpha/app.py"),
        code_span(now - 200 * 24 * HOUR, 20, "gamma", "Go", "vscode", "main", "/src/gamma/x.go"),
        Span(now - 1.25 * HOUR, now - 1.1 * HOUR, app="firefox", browser="firefox",
             site="docs.python.org", url="https://docs.python.org/3/", title="Docs"),
        Span(now - 9 * 24 * HOUR, now - 9 * 24 * HOUR + 1500, app="firefox", browser="firefox",
             site="news.example", url="https://news.example/", title="News"),
    ])
    laptop.upsert_spans([
        code_span(now - 4 * HOUR, 30, "beta", "Rust", "nvim", "dev", "/src/beta/lib.rs"),
        code_span(now - 9 * 24 * HOUR - 4 * HOUR, 45, "beta", "Rust", "nvim", "dev",
              "/src/beta/main.rs"),
        code_span(now - 60 * 24 * HOUR, 15, "alpha", "Python", "nvim", "main", "/src/alpha/app.py"),
        Span(now - 5 * HOUR, now - 5 * HOUR + 1200, app="slack", title="slack #general"),
    ])
    Syncer(desk, url, key=key, device_name="desk").sync_once()
    Syncer(laptop, url, key=key, device_name="laptop").sync_once()
    desk.close()
    laptop.close()
    home = tmp / "home"
    home.mkdir()
    cfg = home / ".wakatime.cfg"
    cfg.write_text(f"[settings]\napi_url = {url}/api/v1\napi_key = {key}\nhostname = devbox\n")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    main, views = git_project(tmp / "webshop")
    t0 = now - 7 * HOUR
    for offset, path in ((0, main), (60, main), (120, views), (300, views), (420, main)):
        run = waka(wakatime_cli, cfg, env, path, t0 + offset)
        assert run.returncode == 0, (run.stdout, run.stderr)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as an HTTPError (its status and Location readable)."""

    def redirect_request(self, *args: Any) -> None:
        return None


def login(url: str, key: str) -> str:
    """The session cookie (`name=value`) of logging in at / with the key."""
    req = urllib.request.Request(f"{url}/login", data=f"key={key}".encode(), method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req, timeout=30)
    except urllib.error.HTTPError as exc:
        assert exc.code == 303
        return exc.headers["set-cookie"].split(";")[0]
    raise AssertionError("no redirect after login")


def get(url: str, headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def page_figures(html: str) -> dict[str, Any]:
    """The figures the server wrote: range, total, per-day (or week) rows, each list."""
    found = re.search(r"id='tf-first' datetime='([\d-]+)'.*?id='tf-last' datetime='([\d-]+)'",
                      html)
    total = re.search(r"id='tf-total' data-seconds='([\d.]+)'", html)
    lists: dict[str, dict[str, float]] = defaultdict(dict)
    for name, body in re.findall(r"<table data-list='([a-z_]+)'>(.*?)</table>", html, re.S):
        for row_name, secs in re.findall(r"<tr data-name='([^']*)' data-seconds='([\d.]+)'",
                                         body):
            lists[name][unescape(row_name)] = float(secs)
    periods = re.search(r"<table data-list='(days|weeks)'>(.*?)</table>", html, re.S)
    rows = [float(s) for s in re.findall(r"data-seconds='([\d.]+)'", periods.group(2))]
    return {"first": found and found.group(1), "last": found and found.group(2),
            "total": float(total.group(1)), "unit": periods.group(1), "periods": rows,
            "lists": dict(lists)}


def api_figures(url: str, key: str, first: str, last: str, filters: dict[str, str]
                ) -> dict[str, Any]:
    """/summaries for the same days and filters, summed the way the page shows them."""
    params = {"start": first, "end": last,
              **{API_FILTERS[k]: v for k, v in filters.items()}}
    status, text = get(f"{url}/api/v1/users/current/summaries?"
                       f"{urllib.parse.urlencode(params)}",
                       {"Authorization": f"Bearer {key}"})
    assert status == 200, text
    body = json.loads(text)
    lists: dict[str, dict[str, float]] = {name: defaultdict(float) for name in LISTS}
    for day in body["data"]:
        for name in LISTS:
            for item in day[name]:
                lists[name][item["name"]] += item["total_seconds"]
    return {"total": body["cumulative_total"]["seconds"],
            "days": [(date.fromisoformat(d["range"]["date"]), d["grand_total"]["total_seconds"])
                     for d in body["data"]],
            "lists": {k: dict(v) for k, v in lists.items()}}


def assert_same(page: dict[str, Any], api: dict[str, Any], what: str) -> None:
    """The page's figures equal the API's to the second."""
    assert abs(page["total"] - api["total"]) < 1, (what, page["total"], api["total"])
    if page["unit"] == "days":
        assert [round(s) for s in page["periods"]] == [round(s) for _, s in api["days"]], what
    assert abs(sum(page["periods"]) - api["total"]) < 1, what
    for name in LISTS:
        mine = page["lists"].get(name, {})
        theirs = {n: s for n, s in api["lists"][name].items() if s > 0}
        assert mine.keys() == theirs.keys(), (what, name, mine, theirs)
        for n, s in theirs.items():
            assert abs(mine[n] - s) < 1, (what, name, n, mine[n], s)


def options(html: str, name: str) -> list[str]:
    """The values a filter's select offers (besides All)."""
    found = re.search(rf"<select name='{name}'[^>]*>(.*?)</select>", html, re.S)
    return [unescape(v) for v in re.findall(r"<option(?: selected)?>([^<]*)</option>",
                                            found.group(1))] if found else []
