"""Achievements on the server (server/achievements.py), on SQLite and a real PostgreSQL:
pushed idempotently, shown only to the public when the user opted in; and a desktop store
syncing its earned ones through a real server process."""

from __future__ import annotations

import pytest

from desktop.engine.store import Store
from desktop.engine.sync import Syncer
from server.models import UserAchievement
from tests.server.conftest import user_with_key
from tests.server.helpers import Api

ITEMS = [{"key": "hours_10", "title": "First 10 hours", "earned": "2026-03-06"},
         {"key": "streak_7", "title": "7-day streak", "earned": "2026-03-08"}]
PUT = "/api/v1/users/current/achievements"


@pytest.fixture
def api(database_url):
    api = Api(database_url)
    yield api
    api.close()


def stored(user_id: int) -> list[tuple[str, str]]:
    return sorted((r.key, r.earned) for r in
                  UserAchievement.select().where(UserAchievement.user == user_id))


def test_push_is_idempotent_and_shown_only_after_opting_in(api):
    ann, headers = api.user("ann")
    _, other = api.user("bob")
    for _ in range(2):
        r = api.client.put(PUT, json={"achievements": ITEMS}, headers=headers)
        assert r.status_code == 200 and r.json() == {"stored": 2, "shown": False}
    assert stored(ann.id) == [("hours_10", "2026-03-06"), ("streak_7", "2026-03-08")]
    # Not opted in: nobody sees them, not even with another user's key.
    assert api.client.get("/api/v1/users/ann/achievements").status_code == 404
    assert api.client.get("/users/ann/achievements", headers=other).status_code == 404
    r = api.client.post("/api/v1/users/current/settings", json={"show_achievements": True},
                        headers=headers)
    assert r.status_code == 200 and r.json()["show_achievements"] is True
    assert api.client.get("/api/v1/users/ann/achievements").json()["data"] == ITEMS
    page = api.client.get("/users/ann/achievements")
    assert page.status_code == 200 and "First 10 hours" in page.text
    assert api.client.get("/api/v1/users/bob/achievements").status_code == 404
    board = api.client.get("/").text
    assert "/users/ann/achievements" in board and "bob" not in board
    api.client.post("/api/v1/users/current/settings", json={"show_achievements": False},
                    headers=headers)
    assert api.client.get("/api/v1/users/ann/achievements").status_code == 404
    assert "ann" not in api.client.get("/").text


@pytest.mark.parametrize("body", [
    {}, {"achievements": "x"}, {"achievements": [{"key": "Bad Key", "title": "t",
                                                  "earned": "2026-01-01"}]},
    {"achievements": [ITEMS[0], {"key": "x", "title": "t", "earned": "yesterday"}]},
    {"achievements": [{"key": "x", "title": "", "earned": "2026-01-01"}]},
    {"achievements": [ITEMS[0]] * 101},
])
def test_bad_input_is_refused_and_stores_nothing(api, body):
    ann, headers = api.user("ann")
    r = api.client.put(PUT, json=body, headers=headers)
    assert r.status_code == 400
    assert stored(ann.id) == []
    assert api.client.put(PUT, json={"achievements": ITEMS}).status_code == 401


@pytest.mark.timeout(300)
def test_desktop_sync_sends_its_achievements_once(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    store = Store(tmp_path / "a.sqlite3")
    try:
        store.save_achievements({"hours_10": "2026-03-06"}, notified=False)
        syncer = Syncer(store, server.url, key=key)
        syncer.sync_once()
        digest = store.meta("sync_achievements")
        assert digest
        syncer.sync_once()  # unchanged: not sent again
        store.save_achievements({"streak_7": "2026-03-08"}, notified=True)
        syncer.sync_once()
        assert store.meta("sync_achievements") != digest
    finally:
        store.close()
    api = Api(server.database_url)
    try:
        assert stored(1) == [("hours_10", "2026-03-06"), ("streak_7", "2026-03-08")]
    finally:
        api.close()
