"""History rewritten on a desktop (cherry-picked onto an older commit, then amended) leaves the
server too: the commits no repository of any device holds any more are deleted, those another
device still holds stay until it reports, and the times of the commits that replace them are
the same (author dates are kept). Real git repositories, a real server process, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.engine.analytics import Analytics
from desktop.engine.commit_holdings import HELD, PATH, repository_id
from desktop.engine.commits import Commits
from desktop.engine.rules import Rules
from desktop.engine.store import Store
from desktop.engine.sync import Client, Syncer, SyncError
from server.db import Database
from tests.server.conftest import user_with_key
from tests.server.test_commits_sync import editor
from tests.test_commits import ME, commit, git

DAY = datetime(2026, 1, 5, tzinfo=UTC)
H = 3600


def on_server(url: str) -> set[str]:
    db = Database(url)
    try:
        return {h for (h,) in db.execute("SELECT hash FROM user_commit").fetchall()}
    finally:
        db.close()


def refresh(store: Store) -> None:
    assert Commits(store, Analytics(store, Rules.load(None), UTC)).refresh() == []


@pytest.mark.timeout(240)
def test_rewritten_commits_leave_the_server(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    client = Client(server.url, key)
    t0 = DAY.timestamp() + 10 * H
    desk_repo = tmp_path / "desk" / "stellar"
    desk_repo.mkdir(parents=True)
    git(desk_repo, "init", "-q", "-b", "main")
    git(desk_repo, "config", "user.email", ME)
    old = [commit(desk_repo, f"{name}.py", 10 * (i + 1), t0 + (i + 1) * H)
           for i, name in enumerate("abc")]
    laptop_repo = tmp_path / "laptop" / "stellar"
    git(tmp_path, "clone", "-q", str(desk_repo), str(laptop_repo))
    git(laptop_repo, "config", "user.email", ME)

    desk = Store(tmp_path / "desk.sqlite3", device="desk")
    laptop = Store(tmp_path / "laptop.sqlite3", device="laptop")
    try:
        desk.add_spans([editor(t0, t0 + 3 * H, desk_repo / "a.py", "main")])
        laptop.add_spans([editor(t0 - 24 * H, t0 - 23.5 * H, laptop_repo / "a.py", "main")])
        on_desk, on_laptop = Syncer(desk, server.url, key=key), Syncer(laptop, server.url,
                                                                        key=key)
        for store in (desk, laptop):
            refresh(store)
        for syncer in (on_laptop, on_desk, on_laptop):
            syncer.sync_once()
        assert on_server(server.database_url) == set(old)
        query = {"start": "2026-01-05", "end": "2026-01-05"}
        before = client.request("GET", "/api/v1/users/current/commits", query=query)
        assert [r["commit"] for r in before["data"]] == old[::-1]

        # the desk rewrites b and c: cherry-picked onto a again (same author dates, new
        # hashes), c reworded
        git(desk_repo, "reset", "-q", "--hard", old[0])
        git(desk_repo, "cherry-pick", old[1], old[2])
        git(desk_repo, "commit", "-q", "--amend", "-m", "add c.py, reworded")
        new = [old[0], *git(desk_repo, "rev-list", "-2", "HEAD").split()[::-1]]
        assert set(new) & set(old) == {old[0]} and len(set(new)) == 3
        refresh(desk)
        on_desk.sync_once()
        # the laptop has not fetched: its b and c stay
        assert on_server(server.database_url) == set(old) | set(new)

        git(laptop_repo, "fetch", "-q", "origin")
        git(laptop_repo, "reset", "-q", "--hard", "origin/main")
        refresh(laptop)
        on_laptop.sync_once()
        # Both "machines" share this disk, so each also reads the other's clone (its files
        # came with the other's spans): the desk still holds the laptop's old b and c.
        assert on_server(server.database_url) == set(old) | set(new)
        refresh(desk)
        on_desk.sync_once()
        assert on_server(server.database_url) == set(new)
        after = client.request("GET", "/api/v1/users/current/commits", query=query)
        assert [r["commit"] for r in after["data"]] == new[::-1]
        assert after["total_seconds"] == before["total_seconds"] > 0
        assert [r["total_seconds"] for r in after["data"]] == \
            [r["total_seconds"] for r in before["data"]]
        assert after["data"][0]["subject"] == "add c.py, reworded"

        # the same report again changes nothing
        report = {"device": "desk", "repository": repository_id(str(desk_repo)),
                  "project": "stellar", "hashes": sorted(new)}
        for _ in range(2):
            assert client.request("POST", PATH, report) == {"dropped": 0, "missing": []}
        assert on_server(server.database_url) == set(new)

        # a commit the server lost (deleted by a report while it had no holder) is named
        # missing, and the desktop pushes it again
        db = Database(server.database_url)
        try:
            db.execute("DELETE FROM user_commit WHERE hash = %s", (new[1],))
        finally:
            db.close()
        assert client.request("POST", PATH, report)["missing"] == [new[1]]
        desk.set_meta({f"{HELD}{server.url}\n{desk_repo}": ""})
        on_desk.sync_once()
        assert on_server(server.database_url) == set(new)
    finally:
        desk.close()
        laptop.close()


@pytest.mark.timeout(120)
def test_bad_reports_are_refused_and_change_nothing(server_process):
    server = server_process.start()
    client = Client(server.url, user_with_key(server.database_url))
    good = {"project": "p", "hash": "a" * 40, "parents": 1, "email": ME, "author": "Me",
            "authored": 1.0e9, "committed": 1.0e9, "subject": "s", "added": 1, "deleted": 0,
            "mine": True}
    client.request("POST", "/api/sync/v1/commits", {"commits": [good]})
    report = {"device": "d1", "repository": "r1", "project": "p", "hashes": []}
    for bad, field in (({**report, "hashes": ["a" * 40, "not hex"]}, r"hashes\[1\]"),
                       ({**report, "hashes": "a" * 40}, "hashes"),
                       ({**report, "device": ""}, "device"),
                       ({**report, "repository": "a/b"}, "repository"),
                       ({**report, "project": 5}, "project")):
        with pytest.raises(SyncError, match=field):
            client.request("POST", PATH, bad)
    assert on_server(server.database_url) == {"a" * 40}
    # an empty repository holds nothing: the project's commit held nowhere goes
    assert client.request("POST", PATH, report) == {"dropped": 1, "missing": []}
    assert on_server(server.database_url) == set()
