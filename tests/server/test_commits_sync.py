"""Commits sync to the server with the spans, from two machines holding the same repository:
each commit is stored once however often it is pushed, and the server's coding time per commit
(desktop.engine.commits' rule over every device's spans) equals the local report's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.engine.analytics import Analytics
from desktop.engine.commit_sync import CURSOR
from desktop.engine.commits import Commits
from desktop.engine.rules import Rules
from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Client, Syncer, SyncError
from server.db import Database
from tests.server.conftest import user_with_key
from tests.test_commits import ME, commit, git

DAY = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; everything between 10:00 and 13:00 UTC
H = 3600


def editor(a: float, b: float, file: Path, branch: str) -> Span:
    return Span(a, b, source="editor", editor="vim", file=str(file), project="stellar",
                branch=branch, language="Python")


def stored(url: str) -> int:
    db = Database(url)
    try:
        return db.execute("SELECT COUNT(*) FROM user_commit").fetchone()[0]
    finally:
        db.close()


@pytest.mark.timeout(180)
def test_two_machines_one_repository(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    t0 = DAY.timestamp() + 10 * H
    desk_repo = tmp_path / "desk" / "stellar"
    desk_repo.mkdir(parents=True)
    git(desk_repo, "init", "-q", "-b", "main")
    git(desk_repo, "config", "user.email", ME)
    c1 = commit(desk_repo, "a.py", 10, t0 + H)
    laptop_repo = tmp_path / "laptop" / "stellar"
    git(tmp_path, "clone", "-q", str(desk_repo), str(laptop_repo))
    git(laptop_repo, "config", "user.email", ME)
    git(laptop_repo, "checkout", "-q", "-b", "pr/5")
    c2 = commit(laptop_repo, "b.py", 25, t0 + 2.5 * H)
    git(desk_repo, "fetch", "-q", str(laptop_repo), "pr/5:refs/remotes/laptop/pr/5")

    desk = Store(tmp_path / "desk.sqlite3", device="desk")
    laptop = Store(tmp_path / "laptop.sqlite3", device="laptop")
    try:
        desk.add_spans([editor(t0, t0 + H, desk_repo / "a.py", "main")])
        laptop.add_spans([editor(t0 + H, t0 + 2.5 * H, laptop_repo / "b.py", "pr/5")])
        for store in (desk, laptop):
            assert Commits(store, Analytics(store, Rules.load(None), UTC)).refresh() == []
        syncers = [Syncer(laptop, server.url, key=key), Syncer(desk, server.url, key=key),
                   Syncer(laptop, server.url, key=key)]
        for syncer in syncers:
            syncer.sync_once()
        assert stored(server.database_url) == 2  # both machines pushed both commits
        laptop.set_meta({CURSOR + server.url: "0"})  # push everything again: still two
        syncers[0].sync_once()
        assert stored(server.database_url) == 2

        local = Commits(desk, Analytics(desk, Rules.load(None), UTC)).times(
            DAY.timestamp(), DAY.timestamp() + 24 * H)
        mine = [(t.commit.hash, t.branch, t.pull, round(t.seconds, 3)) for t in local]
        assert mine == [(c2, "pr/5", "#5", 5400), (c1, "main", None, 3600)]
        client = Client(server.url, key)
        answer = client.request("GET", "/api/v1/users/current/commits",
                                query={"start": "2026-01-05", "end": "2026-01-05"})
        assert [(r["commit"], r["branch"], r["pull"], r["total_seconds"])
                for r in answer["data"]] == mine
        assert answer["total_seconds"] == 9000
        assert answer["data"][0]["lines_added"] == 25
        only = client.request("GET", "/api/v1/users/current/commits",
                              query={"start": "2026-01-05", "end": "2026-01-05",
                                     "project": "elsewhere"})
        assert only["data"] == [] and only["total_seconds"] == 0
    finally:
        desk.close()
        laptop.close()


@pytest.mark.timeout(120)
def test_bad_commits_are_refused_whole(server_process):
    server = server_process.start()
    client = Client(server.url, user_with_key(server.database_url))
    good = {"project": "p", "hash": "a" * 40, "parents": 1, "email": ME, "author": "Me",
            "authored": 1.0e9, "committed": 1.0e9, "subject": "s", "added": 1, "deleted": 0,
            "mine": True}
    for bad, field in (({**good, "authored": "soon"}, "authored"), ({**good, "mine": 1}, "mine"),
                       ({**good, "hash": ""}, "hash")):
        with pytest.raises(SyncError, match=rf"commits\[1\]\.{field}"):
            client.request("POST", "/api/sync/v1/commits", {"commits": [good, bad]})
    assert stored(server.database_url) == 0
    with pytest.raises(SyncError, match="range"):
        client.request("GET", "/api/v1/users/current/commits", query={"range": "soon"})
    assert client.request("POST", "/api/sync/v1/commits", {"commits": [good, good]}) == {
        "written": 1, "unchanged": 1}
