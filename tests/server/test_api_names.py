"""The seed's API names on a real server process over HTTP, on SQLite and PostgreSQL:
`GET /api/v1/summary` answers what `/summaries` answers; `POST /api/v1/auth/key` makes a named
key shown once and stored hashed, and a revoked key is refused at once; keys made before
schema step 5 still work after it."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest

from server import migrations
from server.db import Database
from tests.server.conftest import ServerProcess, user_with_key
from tests.server.test_teams import call, code, login


def test_summary_equals_summaries(server_process):
    server = server_process.start()
    key = user_with_key(server_process.database_url, "ann")
    code(server.port, key, 31)
    code(server.port, key, 7, language="Rust", ago=9000)
    for query in ("range=today", "range=Last 7 Days".replace(" ", "%20"),
                  "range=last_30_days", "range=this_month",
                  f"start={time.strftime('%Y-%m-%d', time.gmtime(time.time() - 86400 * 3))}"
                  f"&end=today"):
        status, alias = call(server.port, "GET", f"/api/v1/summary?{query}", key)
        assert status == 200, alias
        assert alias == call(server.port, "GET", f"/api/v1/users/current/summaries?{query}",
                             key)[1]
        if "30" in query:
            assert alias["cumulative_total"]["seconds"] == pytest.approx(1800 + 360)
    status, bad = call(server.port, "GET", "/api/v1/summary?range=forever", key)
    assert status == 400 and "unknown range" in bad["detail"]
    assert call(server.port, "GET", "/api/v1/summary?range=today")[0] == 401


def test_keys_created_named_hashed_and_revoked_at_once(server_process):
    server = server_process.start()
    port, url = server.port, server_process.database_url
    first = user_with_key(url, "ann")
    bob = user_with_key(url, "bob")
    status, made = call(port, "POST", "/api/v1/auth/key", first, {"name": "laptop"})
    assert status == 201 and made["name"] == "laptop" and made["hint"] == made["key"][-4:]
    key = made["key"]
    assert uuid.UUID(key).version == 4
    assert call(port, "GET", "/api/sync/v1/hello", key)[1]["user"] == "ann"  # now cached
    listed = call(port, "GET", "/api/v1/auth/keys", key)[1]["data"]
    assert [k["name"] for k in listed] == ["", "laptop"] and all("key" not in k for k in listed)
    db = Database(url)
    try:
        stored = str(db.execute("SELECT * FROM api_key").fetchall())
    finally:
        db.close()
    assert key not in stored and hashlib.sha256(key.encode()).hexdigest() in stored

    assert call(port, "DELETE", f"/api/v1/auth/key/{made['id']}", bob)[0] == 404  # not his
    assert call(port, "GET", "/api/sync/v1/hello", key)[0] == 200
    status, revoked = call(port, "DELETE", f"/api/v1/auth/key/{made['id']}", first)
    assert status == 200 and revoked["revoked"] and revoked["revoked_at"]
    assert call(port, "GET", "/api/sync/v1/hello", key)[0] == 401  # at once, though cached
    assert call(port, "GET", "/api/v1/users/current/summaries?range=today", key)[0] == 401

    # in a browser: the session cookie of the page at / makes and revokes keys too
    cookie = login(port, first)
    status, other = call(port, "POST", "/api/v1/auth/key", cookie=cookie, body={"name": "ci"})
    assert status == 201 and call(port, "GET", "/api/sync/v1/hello", other["key"])[0] == 200
    assert call(port, "POST", f"/api/v1/auth/key/{other['id']}/revoke", cookie=cookie
                )[1]["revoked"]
    assert call(port, "GET", "/api/sync/v1/hello", other["key"])[0] == 401
    assert call(port, "POST", "/api/v1/auth/key", first, {"name": "x" * 65})[0] == 400
    assert call(port, "POST", "/api/v1/auth/key", body={"name": "nobody"})[0] == 401
    assert call(port, "GET", "/api/sync/v1/hello", first)[0] == 200  # the others untouched
    made = [call(port, "POST", "/api/v1/auth/key", first, {})[0] for _ in range(100)]
    assert made == [201] * 99 + [409]  # 100 keys in use at most (the admin's one counts)


def test_keys_from_before_step_5_still_work(database_url, tmp_path, monkeypatch):
    """A database at server schema v4, its key stored as v4 stored it: after the server
    migrates it to v5, the key is accepted and listed (without a hint), nobody locked out."""
    db = Database(database_url)
    monkeypatch.setattr(migrations, "STEPS", migrations.STEPS[:4])
    db.migrate()
    monkeypatch.undo()
    for table in ("team_member", "team_invitation", "team", "board", "user_achievement"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for column in ("revoked_at", "hint"):
        db.execute(f"ALTER TABLE api_key DROP COLUMN {column}")
    db.execute("ALTER TABLE tf_user DROP COLUMN show_achievements")  # added by a later step
    old = str(uuid.uuid4())
    db.execute("INSERT INTO tf_user (name, timezone, weekly_email, leaderboard, "
               "daily_goal_minutes, created, public_stats) VALUES "
               "('old', 'UTC', FALSE, 'hidden', 120, 0, FALSE)")
    db.execute("INSERT INTO api_key (\"user\", key_hash, label, created, revoked) VALUES "
               "(1, %s, 'desk', 0, FALSE)", (hashlib.sha256(old.encode()).hexdigest(),))
    assert db.execute("SELECT value FROM meta WHERE key = 'server_schema_version'"
                      ).fetchone()[0] == "4"
    db.close()
    server = ServerProcess(database_url, tmp_path / "server.log", jobs_interval_seconds="0")
    try:
        server.start()
        assert call(server.port, "GET", "/api/sync/v1/hello", old)[1]["user"] == "old"
        listed = call(server.port, "GET", "/api/v1/auth/keys", old)[1]["data"]
        assert [(k["name"], k["hint"], k["revoked"]) for k in listed] == [("desk", None, False)]
    finally:
        server.stop()
    db = Database(database_url)
    try:
        assert db.execute("SELECT value FROM meta WHERE key = 'server_schema_version'"
                          ).fetchone()[0] == str(len(migrations.STEPS))
    finally:
        db.close()
